package io.tourniquet.ingestor.service;

import static io.restassured.RestAssured.given;
import static io.tourniquet.ingestor.TestFeeds.signedFeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.testsupport.LocalIssuerResource;
import io.tourniquet.testsupport.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.schemas.kafka.CompactedTopicReader;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.FeedVersionAccepted;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.topics.Topics;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Feeds through the running ingestor and a real broker: pushed over HTTP, and dropped in a polled folder. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@QuarkusTestResource(FreshFeedFolders.class)
@QuarkusTestResource(LocalIssuerResource.class)
class FeedSourcesTest {

    private static final Path REAL_EOCS = Path.of(System.getProperty("tourniquet.testdata.dir", "../testdata"),
            "exchange/getexchangemitigations-2021-09.xml");

    @Inject
    FeedVersions versions;

    private static String kafka() {
        return KafkaBrokerResource.bootstrapServers();
    }

    private static io.restassured.response.ValidatableResponse push(String feedId, byte[] document) {
        return given().auth().oauth2(TestTokens.token(Roles.FEED_PUBLISHER, Roles.ALL_TENANTS)).body(document).contentType("application/octet-stream").post("/api/v1/feeds/" + feedId).then();
    }

    private static List<AuditRecord> audit(String type) {
        return TopicRecords.values(kafka(), Topics.AUDIT, AuditRecord.class).stream().filter(a -> a.getType().equals(type)).toList();
    }

    @Test
    void microsoftsRealFeedIsAcceptedOverHttpAndATamperedCopyIsRejectedWithItsReason() throws Exception {
        byte[] real = Files.readAllBytes(REAL_EOCS);
        push("microsoft-em", real).statusCode(200).body("accepted", equalTo(true));
        push("microsoft-em", real).statusCode(200).body("published", empty()); // the same document again publishes nothing
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(TopicRecords.values(kafka(), Topics.FEED_VERSIONS, FeedVersionAccepted.class))
                .anySatisfy(v -> assertThat(v.getFeedId()).isEqualTo("microsoft-em")));

        int mitigations = TopicRecords.readAll(kafka(), Topics.MITIGATIONS).size();
        byte[] tampered = new String(real, StandardCharsets.UTF_8).replace("DoNothing", "StopService").getBytes(StandardCharsets.UTF_8);
        push("microsoft-em", tampered).statusCode(422).body("reason", equalTo("BAD_SIGNATURE"));
        push("microsoft-em", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><EOCS>&e;</EOCS>".getBytes(StandardCharsets.UTF_8))
                .statusCode(422).body("reason", equalTo("FORBIDDEN_DTD"));
        push("no-such-feed", real).statusCode(404);
        push("microsoft-em", new byte[1_500_000]).statusCode(422).body("reason", equalTo("TOO_LARGE"));

        TopicRecords.assertStaysAt(kafka(), Topics.MITIGATIONS, mitigations);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(audit("feed.rejected"))
                .anySatisfy(a -> assertThat(a.getDetails()).containsEntry("feedId", "microsoft-em").containsEntry("reasonCode", "BAD_SIGNATURE"))
                .anySatisfy(a -> assertThat(a.getDetails()).containsEntry("reasonCode", "FORBIDDEN_DTD")));
    }

    @Test
    void ourSignedFeedNeedsTwoKeysAndNeverGoesBackEvenAfterARestart() {
        Instant week = Instant.now().plus(Duration.ofDays(7));
        push("msp", signedFeed("msp", 1, "MSP1", week, "feed-k1")).statusCode(422).body("reason", equalTo("TOO_FEW_SIGNATURES"));
        push("msp", signedFeed("msp", 1, "MSP1", week, "feed-k1", "feed-k3")).statusCode(200).body("published", contains("MSP1"));
        push("msp", signedFeed("msp", 2, "MSP1", week, "feed-k1", "feed-k2")).statusCode(200);
        push("msp", signedFeed("msp", 3, "MSP1", Instant.now().minusSeconds(1), "feed-k1", "feed-k2")).statusCode(422).body("reason", equalTo("EXPIRED"));

        // what a restarted ingestor knows: only what the feed-versions topic says
        versions.forgetAll();
        CompactedTopicReader.readAll(io.tourniquet.schemas.kafka.KafkaClients.plaintext(kafka()), Topics.FEED_VERSIONS, Duration.ofSeconds(10), versions::record);
        push("msp", signedFeed("msp", 1, "MSP1", week, "feed-k1", "feed-k2")).statusCode(422).body("reason", equalTo("ROLLBACK"));
        assertThat(TopicRecords.values(kafka(), Topics.MITIGATIONS, MitigationPublished.class))
                .filteredOn(p -> p.getDefinition().getId().equals("MSP1")).singleElement()
                .satisfies(p -> assertThat(p.getEvidence().getVerifiedBy()).hasSize(2));
    }

    @Test
    void aFeedDroppedInItsFolderIsPickedUpByThePoller() throws Exception {
        // the service started before the folder existed (the build deletes target/test-feed-drop)
        Files.createDirectories(Path.of("target/test-feed-drop"));
        Files.write(Path.of("target/test-feed-drop/feed.json"), signedFeed("msp-drop", 1, "DROP1", Instant.now().plus(Duration.ofDays(1)), "feed-k1"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TopicRecords.values(kafka(), Topics.MITIGATIONS, MitigationPublished.class))
                .anySatisfy(p -> {
                    assertThat(p.getDefinition().getId()).isEqualTo("DROP1");
                    assertThat(p.getEvidence().getFeedId()).isEqualTo("msp-drop");
                }));
        given().auth().oauth2(TestTokens.token(Roles.AUDITOR, "acme")).get("/api/v1/feeds").then().statusCode(200).body("find { it.feedId == 'msp-drop' }.lastSuccess", org.hamcrest.Matchers.notNullValue());
        // the folder did not exist when the service started: the outage and the recovery are on record
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(audit("feed.unreachable")).anySatisfy(a -> assertThat(a.getDetails()).containsEntry("feedId", "msp-drop"));
            assertThat(audit("feed.reachable")).anySatisfy(a -> assertThat(a.getDetails()).containsEntry("feedId", "msp-drop"));
        });
    }
}
