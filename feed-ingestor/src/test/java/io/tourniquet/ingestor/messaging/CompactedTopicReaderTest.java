package io.tourniquet.ingestor.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.ingestor.service.FreshFeedFolders;
import io.tourniquet.schemas.FeedVersionAccepted;
import io.tourniquet.schemas.kafka.CompactedTopicReader;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a restarting ingestor reads back from a compacted topic: every readable record, past tombstones and garbage. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@QuarkusTestResource(FreshFeedFolders.class)
class CompactedTopicReaderTest {

    @Test
    void readsToTheEndPastATombstoneAndAnUnreadableRecord() {
        String kafka = KafkaBrokerResource.bootstrapServers();
        String topic = "test.compacted-reader";
        try (var provisioner = new TopicProvisioner(KafkaClients.plaintext(kafka), Duration.ofSeconds(30))) {
            provisioner.ensure(List.of(TopicSpec.compacted(topic, 1)));
        }
        var v1 = new FeedVersionAccepted("msp", 1L, "sha", Instant.parse("2026-12-01T00:00:00Z"));
        var v2 = new FeedVersionAccepted("other", 7L, "sha", Instant.parse("2026-12-01T00:00:00Z"));
        TopicRecords.send(kafka, topic, "msp", v1);
        TopicRecords.sendRaw(kafka, topic, "gone", null);
        TopicRecords.sendRaw(kafka, topic, "junk", "not avro".getBytes(StandardCharsets.UTF_8));
        TopicRecords.send(kafka, topic, "other", v2);

        List<Object> read = new ArrayList<>();
        int count = CompactedTopicReader.readAll(KafkaClients.plaintext(kafka), topic, Duration.ofSeconds(20), read::add);

        assertThat(read).containsExactly(v1, v2);
        assertThat(count).isEqualTo(2);

        // the latest value per key: a later tombstone takes a key out (a revoked agent enrolment, for the audit service)
        TopicRecords.sendRaw(kafka, topic, "msp", null);
        assertThat(CompactedTopicReader.latest(KafkaClients.plaintext(kafka), topic, Duration.ofSeconds(20))).containsOnlyKeys("other")
                .containsEntry("other", v2);
    }
}
