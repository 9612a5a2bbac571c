package io.tourniquet.policy.streams;

import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.schemas.serde.AvroSerde;
import io.tourniquet.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 * tourniquet.mitigations ─────┐
 * tourniquet.tenant-policies ─┴► copy to every partition ──► tourniquet.policy.mitigation-broadcast ──┐
 * tourniquet.agent-events.* ──► signed by the server's enrolled key? re-key by tenant ──► tourniquet.policy.server-events ─┤
 * tourniquet.agent-enrolments ──► global store (every instance)
 *                                                                           desired-state processor ┴─► tourniquet.commands.&lt;tenant&gt;
 *                                                                                                    └─► tourniquet.audit
 * </pre>
 * Tenants are spread over partitions; every partition's task gets every mitigation and admin decision through the
 * broadcast topic, so fan-out to all servers happens in parallel, locally, with no lookup over the network.
 */
public final class PolicyTopology {

    static final String SERVERS_STORE = "servers";
    static final String MITIGATIONS_STORE = "mitigations";
    static final String WITHDRAWALS_STORE = "withdrawals";
    public static final String POLICIES_STORE = "policies";
    public static final String CONTROLS_STORE = "controls";
    // -v2: typed Avro values (they were pipe-separated strings); a store of the old format is left behind, not misread,
    // and its state is decided again from the inputs (agents skip a command already in force)
    public static final String COMMANDED_STORE = "commanded-v2";
    public static final String DECISIONS_STORE = "decisions-v2";
    public static final String OUTCOMES_STORE = "outcomes-v2";
    public static final String ROLLOUTS_STORE = "rollouts-v2";
    static final String SEQUENCES_STORE = "sequences";
    static final String PENDING_STORE = "pending";
    /** Global: every agent's enrolled key, on every instance, restored before any agent event is processed. */
    public static final String ENROLMENTS_STORE = "agent-enrolments";
    static final String COMMANDS_SINK = "commands";
    static final String AUDIT_SINK = "audit";
    static final String SERVER_EVENTS_SINK = "server-events-sink";
    static final String ROUTER_AUDIT_SINK = "router-audit";

    private PolicyTopology() {
    }

    public static Topology build(CommandFactory commands, Duration recheckInterval) {
        return build(commands, recheckInterval, FanOut.Settings.DEFAULT);
    }

    /** @param serversPerTransaction how many servers a change for every tenant decides per transaction */
    public static Topology build(CommandFactory commands, Duration recheckInterval, int serversPerTransaction) {
        return build(commands, recheckInterval, new FanOut.Settings(serversPerTransaction, FanOut.Settings.DEFAULT.interval()));
    }

    private static Topology build(CommandFactory commands, Duration recheckInterval, FanOut.Settings fanOut) {
        Serde<String> keys = Serdes.String();
        Serde<SpecificRecord> values = new AvroSerde();
        Topology topology = new Topology();

        topology.addSource("admin-source", keys.deserializer(), values.deserializer(), Topics.MITIGATIONS, Topics.TENANT_POLICIES);
        topology.addSink("broadcast-sink", Topics.POLICY_MITIGATION_BROADCAST, keys.serializer(), values.serializer(),
                toEveryPartition(), "admin-source");

        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ENROLMENTS_STORE), keys, values).withLoggingDisabled(),
                "enrolments-source", keys.deserializer(), values.deserializer(), Topics.AGENT_ENROLMENTS, "enrolments", EnrolmentStoreUpdater::new);
        topology.addSource("agent-events-source", keys.deserializer(), values.deserializer(), Topics.AGENT_EVENTS_PATTERN);
        topology.addProcessor("by-tenant", TenantRouter::new, "agent-events-source");
        topology.addSink(SERVER_EVENTS_SINK, Topics.POLICY_SERVER_EVENTS, keys.serializer(), values.serializer(), "by-tenant");
        topology.addSink(ROUTER_AUDIT_SINK, Topics.AUDIT, keys.serializer(), values.serializer(), "by-tenant");

        topology.addSource("broadcast-source", keys.deserializer(), values.deserializer(), Topics.POLICY_MITIGATION_BROADCAST);
        topology.addSource("server-events-source", keys.deserializer(), values.deserializer(), Topics.POLICY_SERVER_EVENTS);
        topology.addProcessor("desired-state", () -> new DesiredStateProcessor(commands, recheckInterval, fanOut), "broadcast-source", "server-events-source");
        for (String store : new String[] {SERVERS_STORE, MITIGATIONS_STORE, WITHDRAWALS_STORE, POLICIES_STORE, CONTROLS_STORE}) {
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), keys, values), "desired-state");
        }
        for (String store : new String[] {COMMANDED_STORE, DECISIONS_STORE, OUTCOMES_STORE, ROLLOUTS_STORE}) {
            topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), keys, values), "desired-state");
        }
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE), keys, Serdes.String()), "desired-state");
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
            var header = context.headers().lastHeader(CommandIssuer.TENANT_HEADER);
            return Topics.commands(new String(header.value(), StandardCharsets.UTF_8));
        };
    }
}
