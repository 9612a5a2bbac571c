package io.tourniquet.localstack.testing;

import io.tourniquet.schemas.serde.AvroCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** For tests: what a topic holds right now, decoded, and a way to put raw bytes on a topic. */
public final class TopicRecords {

    /** A record as read back, with its value decoded (or null when undecodable). */
    public record Received(String topic, String key, SpecificRecord value, byte[] raw, Map<String, String> headers) {
    }

    private TopicRecords() {
    }

    public static List<Received> readAll(String bootstrapServers, String topic) {
        return readAll(bootstrapServers, Pattern.compile(Pattern.quote(topic)));
    }

    /**
     * Every committed record of every topic whose name matches, from the beginning to the current end: read as the
     * agents and services read (read_committed), so a record of an aborted transaction is never seen.
     */
    public static List<Received> readAll(String bootstrapServers, Pattern topics) {
        List<Received> received = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.listTopics(Duration.ofSeconds(10)).entrySet().stream()
                    .filter(e -> topics.matcher(e.getKey()).matches())
                    .flatMap(e -> e.getValue().stream().map(p -> new TopicPartition(p.topic(), p.partition())))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!atEnd(consumer.assignment(), consumer, end) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    SpecificRecord value;
                    try {
                        value = r.value() == null ? null : AvroCodec.get().decode(r.value());
                    } catch (RuntimeException e) {
                        value = null;
                    }
                    Map<String, String> headers = new java.util.HashMap<>();
                    r.headers().forEach(h -> headers.put(h.key(), h.value() == null ? null : new String(h.value())));
                    received.add(new Received(r.topic(), r.key(), value, r.value(), headers));
                }
            }
        }
        return received;
    }

    public static <T extends SpecificRecord> List<T> values(String bootstrapServers, String topic, Class<T> type) {
        return readAll(bootstrapServers, topic).stream().map(Received::value).filter(type::isInstance).map(type::cast).toList();
    }

    public static void sendRaw(String bootstrapServers, String topic, String key, byte[] value) {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    public static void send(String bootstrapServers, String topic, String key, SpecificRecord value) {
        sendRaw(bootstrapServers, topic, key, AvroCodec.get().encode(value));
    }

    private static boolean atEnd(Collection<TopicPartition> partitions, KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
    }
}
