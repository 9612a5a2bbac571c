package io.tourniquet.policy.streams;

import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.schemas.serde.AvroSerde;
import io.tourniquet.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.Stores;

/**
 * <pre>
 * tourniquet.mitigations ──► copy to every partition ──► tourniquet.policy.mitigation-broadcast ─┐
 * tourniquet.agent-events.* (inventory, keyed by server) ────────────────────────────────────────┤
 *                                                                        desired-state processor ┴─► tourniquet.commands.&lt;tenant&gt;
 *                                                                                                 └─► tourniquet.audit
 * </pre>
 * Servers are spread over partitions by their key; every partition's task gets every mitigation through the
 * broadcast topic, so fan-out to all servers happens in parallel, locally, with no lookup over the network.
 */
public final class PolicyTopology {

    static final String SERVERS_STORE = "servers";
    static final String MITIGATIONS_STORE = "mitigations";
    static final String WITHDRAWALS_STORE = "withdrawals";
    static final String COMMANDED_STORE = "commanded";
    static final String SEQUENCES_STORE = "sequences";
    static final String COMMANDS_SINK = "commands";
    static final String AUDIT_SINK = "audit";

    private PolicyTopology() {
    }

    public static Topology build(CommandFactory commands) {
        Serde<String> keys = Serdes.String();
        Serde<SpecificRecord> values = new AvroSerde();
        Topology topology = new Topology();

        topology.addSource("mitigations-source", keys.deserializer(), values.deserializer(), Topics.MITIGATIONS);
        topology.addSink("broadcast-sink", Topics.POLICY_MITIGATION_BROADCAST, keys.serializer(), values.serializer(),
                toEveryPartition(), "mitigations-source");

        topology.addSource("broadcast-source", keys.deserializer(), values.deserializer(), Topics.POLICY_MITIGATION_BROADCAST);
        topology.addSource("agent-events-source", keys.deserializer(), values.deserializer(), Topics.AGENT_EVENTS_PATTERN);
        topology.addProcessor("desired-state", () -> new DesiredStateProcessor(commands), "broadcast-source", "agent-events-source");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVERS_STORE), keys, values), "desired-state");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MITIGATIONS_STORE), keys, values), "desired-state");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WITHDRAWALS_STORE), keys, values), "desired-state");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COMMANDED_STORE), keys, Serdes.String()), "desired-state");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SEQUENCES_STORE), keys, Serdes.Long()), "desired-state");

        topology.addSink(COMMANDS_SINK, tenantCommandTopic(), keys.serializer(), values.serializer(), "desired-state");
        topology.addSink(AUDIT_SINK, Topics.AUDIT, keys.serializer(), values.serializer(), "desired-state");
        return topology;
    }

    /** Multicast: every partition of the broadcast topic gets a copy. */
    static StreamPartitioner<String, SpecificRecord> toEveryPartition() {
        return new StreamPartitioner<>() {
            @Override
            public Optional<Set<Integer>> partitions(String topic, String key, SpecificRecord value, int numPartitions) {
                return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
            }
        };
    }

    private static TopicNameExtractor<String, SpecificRecord> tenantCommandTopic() {
        return (key, value, context) -> {
            var header = context.headers().lastHeader(DesiredStateProcessor.TENANT_HEADER);
            return Topics.commands(new String(header.value(), StandardCharsets.UTF_8));
        };
    }
}
