package io.tourniquet.testsupport;

import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * For tests: what a topic holds right now, decoded, and a way to put raw bytes on a topic. Reads fail loudly rather than
 * return less than the topic holds: a partial read would let a negative check ("nothing was sent") pass vacuously.
 */
public final class TopicRecords {

    /** How long a read may take to reach the end offsets it saw at its start. */
    private static final Duration READ_DEADLINE = Duration.ofSeconds(20);

    /**
     * How long a negative check watches a topic. Longer than every periodic task the tests configure (the policy's
     * recheck, the ingestor's pollers, the agent's heartbeat) run several times, so that a duplicate sent late by one of
     * them is caught.
     */
    public static final Duration QUIET_PERIOD = Duration.ofSeconds(3);

    /** A record as read back, with its value decoded (null for a tombstone, and for every record read raw). */
    public record Received(String topic, String key, SpecificRecord value, byte[] raw, Map<String, String> headers) {
    }

    private TopicRecords() {
    }

    /**
     * Every committed record of the topic, from the beginning to its end when the read started, decoded. Read as the
     * agents and services read (read_committed), so a record of an aborted transaction is never seen.
     *
     * @throws AssertionError when the topic does not exist, a record is not Avro single-object encoding (use
     *                        {@link #readRaw} for dead-letter topics), or the end is not reached within 20 s
     */
    public static List<Received> readAll(String bootstrapServers, String topic) {
        return read(bootstrapServers, topic, true);
    }

    /** Like {@link #readAll}, without decoding: for dead-letter topics, whose records are what could not be read. */
    public static List<Received> readRaw(String bootstrapServers, String topic) {
        return read(bootstrapServers, topic, false);
    }

    private static List<Received> read(String bootstrapServers, String topic, boolean decode) {
        List<Received> received = new ArrayList<>();
        try (var consumer = KafkaClients.plaintext(bootstrapServers).consumer(Map.<String, Object>of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            var partitionInfos = consumer.listTopics(Duration.ofSeconds(10)).get(topic);
            if (partitionInfos == null || partitionInfos.isEmpty()) {
                throw new AssertionError("topic " + topic + " does not exist");
            }
            List<TopicPartition> partitions = partitionInfos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + READ_DEADLINE.toNanos();
            while (!atEnd(partitions, consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("read of " + topic + " did not reach its end offsets " + end + " within " + READ_DEADLINE
                            + " (" + received.size() + " records read)");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    received.add(received(r, decode));
                }
            }
        }
        return received;
    }

    private static Received received(ConsumerRecord<String, byte[]> r, boolean decode) {
        SpecificRecord value = null;
        if (decode && r.value() != null) {
            try {
                value = AvroCodec.get().decode(r.value());
            } catch (RuntimeException e) {
                throw new AssertionError("record " + r.topic() + "-" + r.partition() + "@" + r.offset() + " cannot be decoded: " + e.getMessage(), e);
            }
        }
        Map<String, String> headers = new HashMap<>();
        r.headers().forEach(h -> headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8)));
        return new Received(r.topic(), r.key(), value, r.value(), headers);
    }

    /**
     * A negative check: the topic holds {@code expected} records now and still does after {@link #QUIET_PERIOD}, read
     * again and again meanwhile; fails as soon as another record shows up.
     */
    public static void assertStaysAt(String bootstrapServers, String topic, int expected) {
        assertStaysAt(bootstrapServers, topic, record -> true, expected);
    }

    /** {@link #assertStaysAt(String, String, int)} counting only the records that match (e.g. one command's results). */
    public static void assertStaysAt(String bootstrapServers, String topic, Predicate<Received> counted, int expected) {
        long until = System.nanoTime() + QUIET_PERIOD.toNanos();
        do {
            List<Received> now = readAll(bootstrapServers, topic).stream().filter(counted).toList();
            if (now.size() != expected) {
                throw new AssertionError("expected " + topic + " to stay at " + expected + " matching records for " + QUIET_PERIOD
                        + ", found " + now.size() + (now.isEmpty() ? "" : "; the last: " + now.get(now.size() - 1).value()));
            }
        } while (System.nanoTime() < until);
    }

    public static <T extends SpecificRecord> List<T> values(String bootstrapServers, String topic, Class<T> type) {
        return readAll(bootstrapServers, topic).stream().map(Received::value).filter(type::isInstance).map(type::cast).toList();
    }

    public static void sendRaw(String bootstrapServers, String topic, String key, byte[] value) {
        sendRaw(bootstrapServers, topic, key, value, List.of());
    }

    public static void sendRaw(String bootstrapServers, String topic, String key, byte[] value, Iterable<Header> headers) {
        try (var producer = KafkaClients.plaintext(bootstrapServers).producer(Map.<String, Object>of(
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, null, key, value, headers)).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    public static void send(String bootstrapServers, String topic, String key, SpecificRecord value) {
        sendRaw(bootstrapServers, topic, key, AvroCodec.get().encode(value));
    }

    /** An agent event as the server's agent sends it: signed with the server's test key ({@link TestAgents}). */
    public static void sendAsAgent(String bootstrapServers, SpecificRecord event) {
        sendSignedBy(bootstrapServers, TestAgents.field(event, "serverId"), event);
    }

    /** An agent event signed by the given server's agent, whatever server it names (a neighbour forging a report). */
    public static void sendSignedBy(String bootstrapServers, String signer, SpecificRecord event) {
        String tenant = TestAgents.field(event, "tenantId");
        byte[] value = AvroCodec.get().encodeValue(event);
        sendRaw(bootstrapServers, Topics.agentEvents(tenant), TestAgents.field(event, "serverId"), value, TestAgents.signature(tenant, signer, value));
    }

    /**
     * Enrols servers straight on the enrolment topic, as the policy service would: for tests of a service that only
     * reads enrolments, or before the policy service starts (its global store is complete before it processes).
     */
    public static void enrol(String bootstrapServers, String tenant, String... servers) {
        for (String server : servers) {
            send(bootstrapServers, Topics.AGENT_ENROLMENTS, Topics.enrolmentKey(tenant, server), TestAgents.enrolment(tenant, server));
        }
    }

    private static boolean atEnd(List<TopicPartition> partitions, KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
    }
}
