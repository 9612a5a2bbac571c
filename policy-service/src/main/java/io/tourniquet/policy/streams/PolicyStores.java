package io.tourniquet.policy.streams;

import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationWithdrawn;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.TenantPolicy;
import io.tourniquet.schemas.policy.CommandedState;
import io.tourniquet.schemas.policy.DecisionState;
import io.tourniquet.schemas.policy.RolloutProgress;
import io.tourniquet.schemas.policy.ServerResult;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The desired-state stores with their value types. Keys: {@code tenant/server} (servers, sequences),
 * {@code tenant/server/mitigation} (commanded, decisions, outcomes), {@code tenant/mitigation} (rollouts).
 */
final class PolicyStores {

    private final KeyValueStore<String, SpecificRecord> servers;
    private final KeyValueStore<String, SpecificRecord> mitigations;
    private final KeyValueStore<String, SpecificRecord> withdrawals;
    private final KeyValueStore<String, SpecificRecord> policies;
    private final KeyValueStore<String, SpecificRecord> controls;
    private final KeyValueStore<String, SpecificRecord> commanded;
    private final KeyValueStore<String, SpecificRecord> decisions;
    private final KeyValueStore<String, SpecificRecord> outcomes;
    private final KeyValueStore<String, SpecificRecord> rollouts;
    private final KeyValueStore<String, Long> sequences;

    PolicyStores(ProcessorContext<?, ?> context) {
        this.servers = context.getStateStore(PolicyTopology.SERVERS_STORE);
        this.mitigations = context.getStateStore(PolicyTopology.MITIGATIONS_STORE);
        this.withdrawals = context.getStateStore(PolicyTopology.WITHDRAWALS_STORE);
        this.policies = context.getStateStore(PolicyTopology.POLICIES_STORE);
        this.controls = context.getStateStore(PolicyTopology.CONTROLS_STORE);
        this.commanded = context.getStateStore(PolicyTopology.COMMANDED_STORE);
        this.decisions = context.getStateStore(PolicyTopology.DECISIONS_STORE);
        this.outcomes = context.getStateStore(PolicyTopology.OUTCOMES_STORE);
        this.rollouts = context.getStateStore(PolicyTopology.ROLLOUTS_STORE);
        this.sequences = context.getStateStore(PolicyTopology.SEQUENCES_STORE);
    }

    static String serverKey(String tenant, String server) {
        return tenant + "/" + server;
    }

    static String decisionKey(String tenant, String server, String mitigationId) {
        return tenant + "/" + server + "/" + mitigationId;
    }

    static String rolloutKey(String tenant, String mitigationId) {
        return tenant + "/" + mitigationId;
    }

    void putServer(ServerInventory inventory) {
        servers.put(serverKey(inventory.getTenantId(), inventory.getServerId()), inventory);
    }

    List<ServerInventory> serversOf(String tenant) {
        List<ServerInventory> list = new ArrayList<>();
        try (var range = servers.prefixScan(tenant + "/", new StringSerializer())) {
            range.forEachRemaining(kv -> list.add((ServerInventory) kv.value));
        }
        return list;
    }

    Set<String> tenants() {
        Set<String> tenants = new LinkedHashSet<>();
        try (var all = servers.all()) {
            all.forEachRemaining(kv -> tenants.add(kv.key.substring(0, kv.key.indexOf('/'))));
        }
        return tenants;
    }

    void putMitigation(MitigationPublished published) {
        mitigations.put(published.getDefinition().getId(), published);
    }

    MitigationPublished mitigation(String mitigationId) {
        return (MitigationPublished) mitigations.get(mitigationId);
    }

    List<String> mitigationIds() {
        List<String> ids = new ArrayList<>();
        try (var all = mitigations.all()) {
            all.forEachRemaining(kv -> ids.add(kv.key));
        }
        return ids;
    }

    void putWithdrawal(MitigationWithdrawn withdrawn) {
        withdrawals.put(withdrawn.getMitigationId(), withdrawn);
    }

    MitigationWithdrawn withdrawal(String mitigationId) {
        return (MitigationWithdrawn) withdrawals.get(mitigationId);
    }

    void putPolicy(TenantPolicy policy) {
        policies.put(policy.getTenantId(), policy);
    }

    TenantPolicy policy(String tenant) {
        return (TenantPolicy) policies.get(tenant);
    }

    List<TenantPolicy> allPolicies() {
        List<TenantPolicy> list = new ArrayList<>();
        try (var all = policies.all()) {
            all.forEachRemaining(kv -> list.add((TenantPolicy) kv.value));
        }
        return list;
    }

    /** Approvals, kill switches, rollout controls and server overrides, keyed by {@link ControlKeys}. */
    void putControl(String key, SpecificRecord control) {
        controls.put(key, control);
    }

    <T extends SpecificRecord> T control(String key, Class<T> type) {
        return type.cast(controls.get(key));
    }

    CommandedState commanded(String decisionKey) {
        return (CommandedState) commanded.get(decisionKey);
    }

    void putCommanded(String decisionKey, CommandedState state) {
        commanded.put(decisionKey, state);
    }

    DecisionState decision(String decisionKey) {
        return (DecisionState) decisions.get(decisionKey);
    }

    void putDecision(String decisionKey, DecisionState decision) {
        decisions.put(decisionKey, decision);
    }

    ServerResult outcome(String decisionKey) {
        return (ServerResult) outcomes.get(decisionKey);
    }

    void putOutcome(String decisionKey, ServerResult result) {
        outcomes.put(decisionKey, result);
    }

    RolloutProgress rollout(String tenant, String mitigationId) {
        return (RolloutProgress) rollouts.get(rolloutKey(tenant, mitigationId));
    }

    void putRollout(String tenant, String mitigationId, RolloutProgress progress) {
        rollouts.put(rolloutKey(tenant, mitigationId), progress);
    }

    /**
     * What the server says it last accepted: a sequence store lost (or rebuilt from nothing) continues above it rather
     * than at 1, which every agent would refuse as a replay.
     */
    void sequenceAtLeast(String tenant, String server, long accepted) {
        String key = serverKey(tenant, server);
        Long last = sequences.get(key);
        if (last == null || last < accepted) {
            sequences.put(key, accepted);
        }
    }

    /** The next command sequence of the server (monotonic per server), taken. */
    long nextSequence(String tenant, String server) {
        String key = serverKey(tenant, server);
        Long last = sequences.get(key);
        long next = last == null ? 1 : last + 1;
        sequences.put(key, next);
        return next;
    }
}
