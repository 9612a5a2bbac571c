package io.tourniquet.ingestor.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.feedtrust.BundledCatalog;
import io.tourniquet.feedtrust.CatalogParser;
import io.tourniquet.feedtrust.InvalidFeedException;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.FeedKind;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationWithdrawn;
import io.tourniquet.ingestor.TestFeeds;
import io.tourniquet.schemas.crypto.DefinitionSignatures;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.TrustedKeys;
import io.tourniquet.schemas.topics.Topics;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@QuarkusTestResource(FreshFeedFolders.class)
class FeedIngestionTest {

    @Inject
    FeedIngestion ingestion;

    private static String kafka() {
        return KafkaBrokerResource.bootstrapServers();
    }

    @Test
    void publishesTheBundledCatalogOnceAtStartupAndNothingWhenItIsReadAgain() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                TopicRecords.values(kafka(), Topics.MITIGATIONS, MitigationPublished.class))
                .extracting(p -> p.getDefinition().getId()).contains("PING1", "M1.1", "EOMT1", "M2.1"));
        var before = TopicRecords.readAll(kafka(), Topics.MITIGATIONS).size();

        var result = ingestion.ingest(BundledCatalog.parse(1 << 20), FeedKind.BUNDLED_CATALOG, BundledCatalog.verifiedBy());

        assertThat(result.published()).isEmpty();
        assertThat(result.unchanged()).isEqualTo(BundledCatalog.parse(1 << 20).definitions().size());
        TopicRecords.assertStaysAt(kafka(), Topics.MITIGATIONS, before);
        var m11 = TopicRecords.values(kafka(), Topics.MITIGATIONS, MitigationPublished.class).stream()
                .filter(p -> p.getDefinition().getId().equals("M1.1")).findFirst().orElseThrow();
        assertThat(m11.getDefinitionDigest()).isEqualTo(Digests.of(m11.getDefinition()));
        assertThat(m11.getEvidence().getVerifiedBy()).singleElement().asString().startsWith("release-artifact:sha256:");
        // the second authority: the publisher key signed this definition, and only this one
        TrustedKeys publisher = TrustedKeys.read(List.of(TestFeeds.KEYS.resolve("test-feed-publisher.pub")));
        assertThat(DefinitionSignatures.verify(publisher, m11.getPublisherSignature(), m11.getDefinitionDigest())).isEqualTo(TrustedKeys.Verdict.VALID);
        assertThat(DefinitionSignatures.verify(publisher, m11.getPublisherSignature(), "0".repeat(64))).isEqualTo(TrustedKeys.Verdict.BAD_SIGNATURE);
    }

    /** A trusted feed cannot take over another feed's mitigation: not one of its revisions, not the release catalog's. */
    @Test
    void aMitigationIdBelongsToTheFeedThatFirstPublishedIt() {
        MitigationDefinition ping = BundledCatalog.parse(1 << 20).definitions().stream()
                .filter(d -> d.getId().equals("PING1")).findFirst().orElseThrow();
        assertThat(ingestion.ingest(feed("owner-feed", "1", heartbeat("OWN1", 1, ping)), FeedKind.TOURNIQUET_SIGNED, List.of("test-key"))
                .published()).containsExactly("OWN1");
        int published = TopicRecords.readAll(kafka(), Topics.MITIGATIONS).size();

        assertThatThrownBy(() -> ingestion.ingest(feed("other-feed", "1", heartbeat("OWN1", 2, ping)), FeedKind.TOURNIQUET_SIGNED, List.of("test-key")))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("OWN1 belongs to owner-feed")
                .extracting(e -> ((InvalidFeedException) e).reason()).isEqualTo(InvalidFeedException.Reason.MITIGATION_OF_ANOTHER_FEED);
        assertThatThrownBy(() -> ingestion.ingest(feed("other-feed", "2", heartbeat("M1.1", 9, ping)), FeedKind.TOURNIQUET_SIGNED, List.of("test-key")))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("M1.1 belongs to release-catalog");
        TopicRecords.assertStaysAt(kafka(), Topics.MITIGATIONS, published);
        assertThat(TopicRecords.values(kafka(), Topics.AUDIT, AuditRecord.class)).anySatisfy(a -> {
            assertThat(a.getType()).isEqualTo("feed.rejected");
            assertThat(a.getDetails()).containsEntry("feedId", "other-feed").containsEntry("reasonCode", "MITIGATION_OF_ANOTHER_FEED");
        });

        // the owner itself still moves its mitigation on
        assertThat(ingestion.ingest(feed("owner-feed", "2", heartbeat("OWN1", 2, ping)), FeedKind.TOURNIQUET_SIGNED, List.of("test-key"))
                .published()).containsExactly("OWN1");
    }

    @Test
    void publishesANewRevisionAndWithdrawsWhatLeftTheFeedThenRejectsARollback() {
        MitigationDefinition ping = BundledCatalog.parse(1 << 20).definitions().stream()
                .filter(d -> d.getId().equals("PING1")).findFirst().orElseThrow();
        MitigationDefinition t1 = heartbeat("T1", 1, ping);
        MitigationDefinition t2 = heartbeat("T2", 1, ping);
        MitigationDefinition t1v2 = heartbeat("T1", 2, ping);

        assertThat(ingestion.ingest(feed("1", t1, t2), FeedKind.TOURNIQUET_SIGNED, List.of("test-key")).published()).containsExactly("T1", "T2");
        var result = ingestion.ingest(feed("2", t1v2), FeedKind.TOURNIQUET_SIGNED, List.of("test-key"));

        assertThat(result.published()).containsExactly("T1");
        assertThat(result.withdrawn()).containsExactly("T2");
        assertThat(TopicRecords.values(kafka(), Topics.MITIGATIONS, MitigationPublished.class))
                .filteredOn(p -> p.getDefinition().getId().equals("T1"))
                .allSatisfy(p -> assertThat(p.getEvidence().getFeedId()).isEqualTo("test-feed"));
        assertThat(TopicRecords.values(kafka(), Topics.MITIGATIONS, MitigationWithdrawn.class))
                .extracting(MitigationWithdrawn::getMitigationId).contains("T2");

        int published = TopicRecords.readAll(kafka(), Topics.MITIGATIONS).size();
        assertThatThrownBy(() -> ingestion.ingest(feed("3", t1), FeedKind.TOURNIQUET_SIGNED, List.of("test-key")))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("rollback");
        TopicRecords.assertStaysAt(kafka(), Topics.MITIGATIONS, published);
        assertThat(TopicRecords.values(kafka(), Topics.AUDIT, AuditRecord.class)).anySatisfy(a -> {
            assertThat(a.getType()).isEqualTo("feed.rejected");
            assertThat(a.getReason()).contains("T1").contains("rollback");
        });
    }

    /** Built field by field: Avro's copy builder resolves classes through another loader under @QuarkusTest. */
    private static MitigationDefinition heartbeat(String id, int revision, MitigationDefinition template) {
        return MitigationDefinition.newBuilder().setId(id).setRevision(revision).setTitle("heartbeat r" + revision)
                .setProduct(template.getProduct()).setActions(template.getActions()).build();
    }

    private static CatalogParser.ParsedCatalog feed(String version, MitigationDefinition... definitions) {
        return feed("test-feed", version, definitions);
    }

    private static CatalogParser.ParsedCatalog feed(String feedId, String version, MitigationDefinition... definitions) {
        return new CatalogParser.ParsedCatalog(feedId, version, List.of(definitions));
    }
}
