package io.tourniquet.schemas.kafka;

import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.serde.UnreadableMessageException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a compacted topic from the start to its current end: the latest value of every key. */
public final class CompactedTopicReader {

    private static final System.Logger LOG = System.getLogger(CompactedTopicReader.class.getName());

    private CompactedTopicReader() {
    }

    /** Every readable value, in topic order (tombstones skipped). */
    public static int readAll(KafkaClients kafka, String topic, Duration timeout, Consumer<Object> sink) {
        int[] count = {0};
        read(kafka, topic, timeout, (key, value) -> {
            if (value != null) {
                sink.accept(value);
                count[0]++;
            }
        });
        return count[0];
    }

    /** The latest readable value of each key; a key whose latest record is a tombstone is absent. */
    public static Map<String, Object> latest(KafkaClients kafka, String topic, Duration timeout) {
        Map<String, Object> latest = new HashMap<>();
        read(kafka, topic, timeout, (key, value) -> {
            if (value == null) {
                latest.remove(key);
            } else {
                latest.put(key, value);
            }
        });
        return latest;
    }

    private static void read(KafkaClients kafka, String topic, Duration timeout, BiConsumer<String, Object> sink) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, "tourniquet-compacted-reader-" + topic,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
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
                        sink.accept(record.key(), null);
                        continue;
                    }
                    try {
                        sink.accept(record.key(), AvroCodec.get().decode(record.value()));
                    } catch (UnreadableMessageException e) {
                        LOG.log(System.Logger.Level.WARNING, "skipping unreadable record {0}-{1}@{2}: {3}", record.topic(), record.partition(),
                                record.offset(), e.getMessage());
                    }
                }
            }
        }
    }
}
