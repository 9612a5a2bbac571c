package io.tourniquet.bench;

import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationFailed;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationSkipped;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.SkipReason;
import java.util.HashSet;
import java.util.Set;
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
import org.apache.kafka.common.header.Header;
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
    /** Per mitigation and server: when this reader first saw the command (bench clock): visible to a reader from then on. */
    private final Map<String, Map<String, Long>> commandSeen = new HashMap<>();
    private final RecordSizes commandSizes = new RecordSizes();
    private final RecordSizes resultSizes = new RecordSizes();
    private final Map<String, Map<String, Long>> applied = new HashMap<>();
    private final Map<String, Map<String, Long>> failed = new HashMap<>();
    /** Per mitigation and server: the distinct commands sent, the distinct applied results (an agent re-reporting one result counts once). */
    private final Map<String, Map<String, Set<String>>> commandIds = new HashMap<>();
    private final Map<String, Map<String, Set<String>>> appliedEventIds = new HashMap<>();
    /** Per mitigation: the event ids the audit trail must hold (the servers' results and, when followed, the policy's records). */
    private final Map<String, Set<String>> auditableEventIds = new HashMap<>();

    FleetFollower(KafkaClients kafka, String tenantPrefix) {
        this(kafka, tenantPrefix, false);
    }

    /** @param auditRecords also follow tourniquet.audit (the policy's decisions), for {@link #auditableEventIds(String)} */
    FleetFollower(KafkaClients kafka, String tenantPrefix, boolean auditRecords) {
        consumer = kafka.consumer(Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
        Pattern tenantTopics = Pattern.compile("(" + Pattern.quote(Topics.COMMANDS_PREFIX) + "|" + Pattern.quote(Topics.AGENT_EVENTS_PREFIX) + ")"
                + Pattern.quote(tenantPrefix) + ".*");
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.listTopics(Duration.ofSeconds(30)).forEach((topic, infos) -> {
            if (tenantTopics.matcher(topic).matches() || topic.equals(Topics.MITIGATIONS) || (auditRecords && topic.equals(Topics.AUDIT))) {
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

    Map<String, Long> commandSeen(String mitigation, Predicate<String> servers) {
        return of(commandSeen, mitigation, servers);
    }

    /** The mean size on the wire (key, value and headers) of the signed commands read so far. */
    int meanCommandBytes() {
        return commandSizes.mean();
    }

    /** The mean size on the wire of the agents' results (applied, failed) read so far. */
    int meanResultBytes() {
        return resultSizes.mean();
    }

    Map<String, Long> applied(String mitigation, Predicate<String> servers) {
        return of(applied, mitigation, servers);
    }

    Map<String, Long> failed(String mitigation, Predicate<String> servers) {
        return of(failed, mitigation, servers);
    }

    /** Per server: how many distinct commands for the mitigation it was sent. */
    Map<String, Integer> commandsPerServer(String mitigation) {
        return sizes(commandIds.getOrDefault(mitigation, Map.of()));
    }

    /** Per server: how many distinct applied results for the mitigation it reported (more than one: applied twice). */
    Map<String, Integer> appliedPerServer(String mitigation) {
        return sizes(appliedEventIds.getOrDefault(mitigation, Map.of()));
    }

    /** The ids of the events about the mitigation that the audit service must store. */
    Set<String> auditableEventIds(String mitigation) {
        return Set.copyOf(auditableEventIds.getOrDefault(mitigation, Set.of()));
    }

    /** Reads one batch of what is there now, for a caller that waits on something else. */
    void catchUp() {
        poll();
    }

    /** Reads until the broker has nothing more. */
    void drain() {
        while (poll() > 0) {
            // each poll reads a batch
        }
    }

    private static Map<String, Integer> sizes(Map<String, Set<String>> sets) {
        Map<String, Integer> sizes = new HashMap<>();
        sets.forEach((key, set) -> sizes.put(key, set.size()));
        return sizes;
    }

    private static void add(Map<String, Map<String, Set<String>>> index, String mitigation, String server, String id) {
        index.computeIfAbsent(mitigation, k -> new HashMap<>()).computeIfAbsent(server, k -> new HashSet<>()).add(id);
    }

    private void auditable(String mitigation, String eventId) {
        auditableEventIds.computeIfAbsent(mitigation, k -> new HashSet<>()).add(eventId);
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

    private int poll() {
        var records = consumer.poll(Duration.ofMillis(200));
        long readAt = System.currentTimeMillis();
        for (ConsumerRecord<String, byte[]> r : records) {
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
            if (value instanceof AuditRecord a) {
                if (a.getMitigationId() != null) {
                    auditable(a.getMitigationId(), a.getEventId());
                }
                continue;
            }
            String server = Topics.tenantOf(r.topic()) + "/" + r.key();
            if (value instanceof SignedCommand c && AvroCodec.get().decode(bytes(c.getPayload())) instanceof ApplyCommand apply) {
                commanded.computeIfAbsent(apply.getDefinition().getId(), k -> new HashMap<>()).putIfAbsent(server, r.timestamp());
                commandSeen.computeIfAbsent(apply.getDefinition().getId(), k -> new HashMap<>()).putIfAbsent(server, readAt);
                commandSizes.add(r);
                add(commandIds, apply.getDefinition().getId(), server, apply.getCommandId());
            } else if (value instanceof MitigationApplied a) {
                applied.computeIfAbsent(a.getCommand().getMitigationId(), k -> new HashMap<>()).putIfAbsent(server, r.timestamp());
                resultSizes.add(r);
                add(appliedEventIds, a.getCommand().getMitigationId(), server, a.getEventId());
                auditable(a.getCommand().getMitigationId(), a.getEventId());
            } else if (value instanceof MitigationFailed f) {
                failed.computeIfAbsent(f.getCommand().getMitigationId(), k -> new HashMap<>()).putIfAbsent(server, r.timestamp());
                resultSizes.add(r);
                auditable(f.getCommand().getMitigationId(), f.getEventId());
            } else if (value instanceof MitigationSkipped k && k.getCommand() != null) {
                auditable(k.getCommand().getMitigationId(), k.getEventId());
                // a command seen again (a consumer that re-read it after a crash) is refused as replayed: not a result
                if (k.getReason() != SkipReason.REPLAYED) {
                    // refused by the agent: counted with the failures
                    failed.computeIfAbsent(k.getCommand().getMitigationId(), x -> new HashMap<>()).putIfAbsent(server, r.timestamp());
                }
            }
        }
        return records.count();
    }

    /** Running mean of record sizes as the broker stores them (key, value, header names and values). */
    private static final class RecordSizes {
        private long bytes;
        private long count;

        void add(ConsumerRecord<String, byte[]> r) {
            long size = Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize());
            for (Header header : r.headers()) {
                size += header.key().length() + (header.value() == null ? 0 : header.value().length);
            }
            bytes += size;
            count++;
        }

        int mean() {
            return count == 0 ? 0 : (int) (bytes / count);
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
