package io.tourniquet.ingestor.messaging;

import org.apache.kafka.common.TopicPartition;
import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.serde.UnreadableMessageException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import io.tourniquet.schemas.kafka.KafkaClients;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/** Reads a compacted topic from the start to its current end: the latest value of every key, at startup. */
public final class CompactedTopicReader {

    private static final Logger LOG = Logger.getLogger(CompactedTopicReader.class);

    private CompactedTopicReader() {
    }

    public static int readAll(KafkaClients kafka, String topic, Duration timeout, Consumer<Object> sink) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, "tourniquet-startup-reader-" + topic,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        int count = 0;
        // raw consumer: a channel never ends, this read stops at the end offsets it found when it started
        try (var consumer = kafka.consumer(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions, timeout);
            Instant deadline = Instant.now().plus(timeout);
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < end.get(p))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout.toSeconds() + " s");
                }
                // bytes decoded here rather than by a deserializer: one bad record is skipped with a warning, not a failed poll
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        continue; // a tombstone: nothing to remember for that key
                    }
                    try {
                        sink.accept(AvroCodec.get().decode(record.value()));
                        count++;
                    } catch (UnreadableMessageException e) {
                        LOG.warnf("skipping unreadable record %s-%d@%d on %s: %s", record.topic(), record.partition(),
                                record.offset(), topic, e.getMessage());
                    }
                }
            }
        }
        return count;
    }
}
