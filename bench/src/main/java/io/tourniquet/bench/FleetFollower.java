package io.tourniquet.bench;

import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationFailed;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationSkipped;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows mitigations through the pipeline as the fleet sees it, reading {@code read_committed} like the agents: when
 * each was written to tourniquet.mitigations, and per server ("tenant/server") when its signed apply command and its
 * result were written (record times). Reads only what is written after it was created.
 */
final class FleetFollower implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Long> published = new HashMap<>();
    private final Map<String, Map<String, Long>> commanded = new HashMap<>();
    private final Map<String, Map<String, Long>> applied = new HashMap<>();
    private final Map<String, Map<String, Long>> failed = new HashMap<>();

    FleetFollower(KafkaClients kafka, String tenantPrefix) {
        consumer = kafka.consumer(Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
        Pattern tenantTopics = Pattern.compile("(" + Pattern.quote(Topics.COMMANDS_PREFIX) + "|" + Pattern.quote(Topics.AGENT_EVENTS_PREFIX) + ")"
                + Pattern.quote(tenantPrefix) + ".*");
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.listTopics(Duration.ofSeconds(30)).forEach((topic, infos) -> {
            if (tenantTopics.matcher(topic).matches() || topic.equals(Topics.MITIGATIONS)) {
                infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
        });
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    /** Reads until this many of the servers have a result (applied or failed) for the mitigation; false on timeout. */
    boolean awaitResults(String mitigation, Predicate<String> servers, long expected, Duration timeout) {
        return readUntil(() -> results(mitigation, servers) >= expected, timeout);
    }

    /** Reads until the mitigation is seen on tourniquet.mitigations; its record time. */
    long awaitPublished(String mitigation, Duration timeout) {
        if (!readUntil(() -> published.containsKey(mitigation), timeout)) {
            throw new IllegalStateException(mitigation + " not seen on " + Topics.MITIGATIONS + " within " + timeout);
        }
        return published.get(mitigation);
    }

    private boolean readUntil(BooleanSupplier done, Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            poll();
        }
        return true;
    }

    long results(String mitigation, Predicate<String> servers) {
        return of(applied, mitigation, servers).size() + of(failed, mitigation, servers).size();
    }

    Map<String, Long> commanded(String mitigation, Predicate<String> servers) {
        return of(commanded, mitigation, servers);
    }

    Map<String, Long> applied(String mitigation, Predicate<String> servers) {
        return of(applied, mitigation, servers);
    }

    Map<String, Long> failed(String mitigation, Predicate<String> servers) {
        return of(failed, mitigation, servers);
    }

    private static Map<String, Long> of(Map<String, Map<String, Long>> byMitigation, String mitigation, Predicate<String> servers) {
        Map<String, Long> selected = new HashMap<>();
        byMitigation.getOrDefault(mitigation, Map.of()).forEach((server, at) -> {
            if (servers.test(server)) {
                selected.put(server, at);
            }
        });
        return selected;
    }

    private void poll() {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            Object value;
            try {
                value = AvroCodec.get().decode(r.value());
            } catch (RuntimeException e) {
                continue; // not ours to judge: the services dead-letter what they cannot read
            }
            if (value instanceof MitigationPublished p) {
                published.putIfAbsent(p.getDefinition().getId(), r.timestamp());
                continue;
            }
            String server = Topics.tenantOf(r.topic()) + "/" + r.key();
            if (value instanceof SignedCommand c && AvroCodec.get().decode(bytes(c.getPayload())) instanceof ApplyCommand apply) {
                commanded.computeIfAbsent(apply.getDefinition().getId(), k -> new HashMap<>()).putIfAbsent(server, r.timestamp());
            } else if (value instanceof MitigationApplied a) {
                applied.computeIfAbsent(a.getCommand().getMitigationId(), k -> new HashMap<>()).putIfAbsent(server, r.timestamp());
            } else if (value instanceof MitigationFailed f) {
                failed.computeIfAbsent(f.getCommand().getMitigationId(), k -> new HashMap<>()).putIfAbsent(server, r.timestamp());
            } else if (value instanceof MitigationSkipped k && k.getCommand() != null) {
                // refused by the agent: counted with the failures
                failed.computeIfAbsent(k.getCommand().getMitigationId(), x -> new HashMap<>()).putIfAbsent(server, r.timestamp());
            }
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
