package io.tourniquet.ingestor.packaged;

import static io.tourniquet.ingestor.TestFeeds.signedFeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tourniquet.ingestor.TestFeeds;
import io.tourniquet.devstack.EmbeddedKafkaBroker;
import io.tourniquet.devstack.LocalIssuer;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.devstack.ServiceProcess;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged feed-ingestor accepts version 2 of a signed feed and is killed (SIGKILL, nothing flushed on the way
 * out). A new process on the same broker, with nothing in memory, must still refuse version 1 (a rollback) and publish
 * nothing for version 2 again: what it accepted lives in Kafka, not in the process.
 */
class IngestorRestartIT {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final String FEED = "msp-restart";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static String kafka;
    private static LocalIssuer issuer;
    private static String publisherToken;

    @BeforeAll
    static void brokerAndIssuer(@TempDir Path keys) {
        kafka = KafkaBrokerResource.withTopicsOf(List.of());
        issuer = LocalIssuer.start(keys.resolve("issuer.key"), 0, List.of(), List.of());
        publisherToken = issuer.mint(issuer.claimsFor(new LocalIssuer.Account("release-pipeline", "", List.of(Roles.FEED_PUBLISHER),
                List.of(Roles.ALL_TENANTS)), "release-pipeline"));
    }

    @AfterAll
    static void stopIssuer() {
        issuer.close();
    }

    private static ServiceProcess startIngestor(String run) {
        return startIngestor(run, issuer.url());
    }

    private static ServiceProcess startIngestor(String run, String identityProvider) {
        var ingestor = ServiceProcess.start("feed-ingestor", JAR, EmbeddedKafkaBroker.freePort(), Map.of(), Map.of(
                "kafka.bootstrap.servers", kafka,
                "quarkus.oidc.auth-server-url", identityProvider,
                "tourniquet.ingestor.publisher-key-file", TestFeeds.KEYS.resolve("test-feed-publisher.key").toAbsolutePath().toString(),
                "tourniquet.ingestor.publisher-public-key-file", TestFeeds.KEYS.resolve("test-feed-publisher.pub").toAbsolutePath().toString(),
                "tourniquet.ingestor.feeds." + FEED + ".format", "tourniquet",
                "tourniquet.ingestor.feeds." + FEED + ".threshold", "2",
                "tourniquet.ingestor.feeds." + FEED + ".trusted-keys", String.join(",", List.of("feed-k1.pub", "feed-k2.pub").stream()
                        .map(k -> TestFeeds.KEYS.resolve(k).toAbsolutePath().toString()).toList())),
                Path.of("target/it-logs/ingestor-restart-" + run), "192m");
        ingestor.awaitReady(Duration.ofSeconds(90));
        return ingestor;
    }

    private static HttpResponse<String> push(ServiceProcess ingestor, byte[] document) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(ingestor.baseUrl() + "/api/v1/feeds/" + FEED))
                .header("Content-Type", "application/octet-stream").header("Authorization", "Bearer " + publisherToken).POST(HttpRequest.BodyPublishers.ofByteArray(document)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** An identity provider that cannot be reached: every call is refused with 503 and why, none is let through. */
    @Test
    void whileTheIdentityProviderIsUnreachableCallsAreRefusedWith503() throws Exception {
        try (var ingestor = startIngestor("no-idp", "http://127.0.0.1:" + EmbeddedKafkaBroker.freePort())) {
            var refused = push(ingestor, signedFeed(FEED, 1, "IDP1", Instant.now().plus(Duration.ofDays(7)), "feed-k1", "feed-k2"));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("identity provider cannot be reached");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        }
    }

    @Test
    void afterBeingKilledANewProcessStillRefusesAnOlderVersionAndRepublishesNothing() throws Exception {
        Instant week = Instant.now().plus(Duration.ofDays(7));
        byte[] version1 = signedFeed(FEED, 1, "RST1", week, "feed-k1", "feed-k2");
        byte[] version2 = signedFeed(FEED, 2, "RST1", week, "feed-k1", "feed-k2"); // the same mitigation: only the version moved

        var first = startIngestor("first");
        try {
            var published = push(first, version1);
            assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
            assertThat(published.body()).contains("\"published\":[\"RST1\"]");
            var accepted = push(first, version2);
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
            first.kill();
        } finally {
            first.close();
        }

        try (var second = startIngestor("second")) {
            var rollback = push(second, version1);
            assertThat(rollback.statusCode()).as(rollback.body()).isEqualTo(422);
            assertThat(rollback.body()).contains("ROLLBACK");
            var again = push(second, version2);
            assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
            assertThat(again.body()).contains("\"published\":[]");

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TopicRecords.values(kafka, Topics.AUDIT, AuditRecord.class))
                    .anySatisfy(a -> {
                        assertThat(a.getType()).isEqualTo("feed.rejected");
                        assertThat(a.getDetails()).containsEntry("feedId", FEED).containsEntry("reasonCode", "ROLLBACK");
                    }));
            // RST1 went out once, with version 1; nothing went out again
            TopicRecords.assertStaysAt(kafka, Topics.MITIGATIONS, r -> r.value() instanceof MitigationPublished p
                    && p.getDefinition().getId().equals("RST1"), 1);
        }
    }
}
