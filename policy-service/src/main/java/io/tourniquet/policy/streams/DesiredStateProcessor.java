package io.tourniquet.policy.streams;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.policy.domain.EffectiveRules;
import io.tourniquet.policy.domain.PolicyEngine;
import io.tourniquet.policy.domain.RolloutPlan;
import io.tourniquet.schemas.Approval;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationFailed;
import io.tourniquet.schemas.MitigationKillSwitch;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationRemoved;
import io.tourniquet.schemas.MitigationSkipped;
import io.tourniquet.schemas.MitigationWithdrawn;
import io.tourniquet.schemas.RolloutControl;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.ServerOverride;
import io.tourniquet.schemas.SkipReason;
import io.tourniquet.schemas.TenantPolicy;
import io.tourniquet.schemas.audit.AuditEvents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps, per server, the set of mitigations that must be in force and emits a signed command only when that set
 * changes: a new or withdrawn mitigation, a policy edit, an approval, a rollout stage, a new server, a server whose
 * build or updates changed, a maintenance window that opened. What was commanded and decided is kept in stores
 * (changelogged), so a restart or a replay emits nothing twice and a server offline for a week gets only its latest
 * desired state. A tenant's servers all live in this task (agent events are re-keyed by tenant), so staged rollouts
 * are gated here on the tenant's own results.
 *
 * <p>A change for every tenant (a new mitigation, a withdrawal, a kill switch) is decided for at most
 * {@link FanOut#serversPerTransaction()} servers at once; the remaining tenants are kept in the {@code pending} store
 * and decided by a punctuator, a batch per commit. Commands then become visible (read_committed) in waves while the
 * fan-out goes on, instead of all at the end of one transaction the size of the fleet; and since the pending store
 * is changelogged with the offsets, a crash in the middle loses no tenant.
 */
class DesiredStateProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

    static final String TENANT_HEADER = "tourniquet-tenant";

    /** How a change for every tenant is spread over transactions. */
    record FanOut(int serversPerTransaction, Duration interval) {
        static final FanOut DEFAULT = new FanOut(1000, Duration.ofMillis(20));
    }

    private final CommandFactory commands;
    private final Duration recheckInterval;
    private final FanOut fanOut;
    /** Servers that may still be decided in the current process() call or punctuation. */
    private int budget;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, SpecificRecord> servers;
    private KeyValueStore<String, SpecificRecord> mitigations;
    private KeyValueStore<String, SpecificRecord> withdrawals;
    private KeyValueStore<String, SpecificRecord> policies;
    private KeyValueStore<String, SpecificRecord> controls;
    private KeyValueStore<String, String> commanded;
    private KeyValueStore<String, String> decisions;
    private KeyValueStore<String, String> outcomes;
    private KeyValueStore<String, String> rollouts;
    private KeyValueStore<String, Long> sequences;
    private KeyValueStore<String, String> pending;

    DesiredStateProcessor(CommandFactory commands, Duration recheckInterval, FanOut fanOut) {
        this.commands = commands;
        this.recheckInterval = recheckInterval;
        this.fanOut = fanOut;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
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
        this.pending = context.getStateStore(PolicyTopology.PENDING_STORE);
        // maintenance windows open and mitigations expire with time, not with a message
        context.schedule(recheckInterval, PunctuationType.WALL_CLOCK_TIME, t -> recheckTimeDependentTenants());
        context.schedule(fanOut.interval(), PunctuationType.WALL_CLOCK_TIME, t -> decidePending());
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        budget = fanOut.serversPerTransaction();
        SpecificRecord value = record.value();
        if (value instanceof MitigationPublished published) {
            mitigations.put(published.getDefinition().getId(), published);
            reconcileEveryTenant(published.getDefinition().getId());
        } else if (value instanceof MitigationWithdrawn withdrawn) {
            withdrawals.put(withdrawn.getMitigationId(), withdrawn);
            reconcileEveryTenant(withdrawn.getMitigationId());
        } else if (value instanceof TenantPolicy policy) {
            policies.put(policy.getTenantId(), policy);
            reconcileTenant(policy.getTenantId());
        } else if (value instanceof Approval approval) {
            controls.put(ControlKeys.approval(approval.getTenantId(), approval.getMitigationId()), approval);
            reconcileTenant(approval.getTenantId(), approval.getMitigationId());
        } else if (value instanceof MitigationKillSwitch killSwitch) {
            controls.put(ControlKeys.killSwitch(killSwitch.getMitigationId()), killSwitch);
            reconcileEveryTenant(killSwitch.getMitigationId());
        } else if (value instanceof ServerOverride override) {
            controls.put(ControlKeys.server(override.getTenantId(), override.getServerId(), override.getMitigationId()), override);
            reconcileTenant(override.getTenantId(), override.getMitigationId());
        } else if (value instanceof RolloutControl control) {
            onRolloutControl(control);
        } else if (value instanceof ServerInventory inventory) {
            servers.put(serverKey(inventory.getTenantId(), inventory.getServerId()), inventory);
            for (String mitigationId : mitigationIds()) {
                reconcileTenant(inventory.getTenantId(), mitigationId);
            }
        } else if (value instanceof MitigationApplied applied) {
            onResult(applied.getTenantId(), applied.getServerId(), applied.getCommand().getMitigationId(), "APPLIED", applied.getCommand().getRevision());
        } else if (value instanceof MitigationFailed failed) {
            onResult(failed.getTenantId(), failed.getServerId(), failed.getCommand().getMitigationId(), "FAILED", failed.getCommand().getRevision());
        } else if (value instanceof MitigationRemoved removed) {
            onResult(removed.getTenantId(), removed.getServerId(), removed.getCommand().getMitigationId(), "REMOVED", removed.getCommand().getRevision());
        } else if (value instanceof MitigationSkipped skipped && skipped.getCommand() != null) {
            // held back by the server's own admin is not a failure of the mitigation; every other refusal is
            boolean local = skipped.getReason() == SkipReason.BLOCKED_LOCALLY || skipped.getReason() == SkipReason.OBSERVE_ONLY;
            onResult(skipped.getTenantId(), skipped.getServerId(), skipped.getCommand().getMitigationId(),
                    local ? "HELD_LOCALLY" : "FAILED", skipped.getCommand().getRevision());
        }
        // heartbeats only say a server is alive; the audit service keeps them
    }

    private List<String> mitigationIds() {
        List<String> ids = new ArrayList<>();
        try (var all = mitigations.all()) {
            all.forEachRemaining(kv -> ids.add(kv.key));
        }
        return ids;
    }

    /** Decides for every tenant within this call's budget; the others are left to {@link #decidePending()}. */
    private void reconcileEveryTenant(String mitigationId) {
        for (String tenant : tenants()) {
            if (budget > 0) {
                reconcileTenant(tenant, mitigationId);
            } else {
                pending.put(pendingKey(tenant, mitigationId), mitigationId);
            }
        }
    }

    /** The next batch of tenants still to decide after a change for every tenant. */
    private void decidePending() {
        budget = fanOut.serversPerTransaction();
        List<String> keys = new ArrayList<>();
        try (var all = pending.all()) {
            while (all.hasNext() && keys.size() < budget) {
                keys.add(all.next().key);
            }
        }
        for (String key : keys) {
            if (budget <= 0) {
                return;
            }
            pending.delete(key);
            int separator = key.indexOf('|');
            reconcileTenant(key.substring(0, separator), key.substring(separator + 1));
        }
    }

    /** Tenant ids are topic-name safe (no '|'), so the first '|' separates them from the mitigation id. */
    private static String pendingKey(String tenant, String mitigationId) {
        return tenant + "|" + mitigationId;
    }

    private void reconcileTenant(String tenant) {
        for (String mitigationId : mitigationIds()) {
            reconcileTenant(tenant, mitigationId);
        }
    }

    private Set<String> tenants() {
        Set<String> tenants = new LinkedHashSet<>();
        try (var all = servers.all()) {
            all.forEachRemaining(kv -> tenants.add(kv.key.substring(0, kv.key.indexOf('/'))));
        }
        return tenants;
    }

    private List<ServerInventory> serversOf(String tenant) {
        List<ServerInventory> list = new ArrayList<>();
        try (var range = servers.prefixScan(tenant + "/", new StringSerializer())) {
            range.forEachRemaining(kv -> list.add((ServerInventory) kv.value));
        }
        return list;
    }

    /** Decides for every server of the tenant, with the tenant's rollout plan drawn once. */
    private void reconcileTenant(String tenant, String mitigationId) {
        MitigationPublished mitigation = (MitigationPublished) mitigations.get(mitigationId);
        if (mitigation == null) {
            return;
        }
        List<ServerInventory> tenantServers = serversOf(tenant);
        budget -= tenantServers.size();
        TenantPolicy policy = (TenantPolicy) policies.get(tenant);
        RolloutPlan plan = policy != null && policy.getRollout() != null ? new RolloutPlan(policy.getRollout(), mitigationId, tenantServers) : null;
        for (ServerInventory server : tenantServers) {
            reconcile(server, mitigation, policy, plan);
        }
        if (plan != null) {
            advanceRollout(tenant, mitigation, policy, plan, tenantServers);
        }
    }

    private void reconcile(ServerInventory server, MitigationPublished mitigation, TenantPolicy policy, RolloutPlan plan) {
        String tenant = server.getTenantId();
        String mitigationId = mitigation.getDefinition().getId();
        String key = decisionKey(tenant, server.getServerId(), mitigationId);
        EffectiveRules rules = EffectiveRules.of(policy, server);
        var situation = new PolicyEngine.Situation(server, mitigation, (MitigationWithdrawn) withdrawals.get(mitigationId), rules,
                (Approval) controls.get(ControlKeys.approval(tenant, mitigationId)),
                (MitigationKillSwitch) controls.get(ControlKeys.killSwitch(mitigationId)),
                (ServerOverride) controls.get(ControlKeys.server(tenant, server.getServerId(), mitigationId)),
                rolloutGate(tenant, server, mitigation, rules, plan), commanded.get(key), now());
        PolicyEngine.Outcome outcome = PolicyEngine.decide(situation);
        switch (outcome.action()) {
            case APPLY, REMOVE -> issue(server, mitigation, outcome, key);
            case HOLD, NONE -> record(server, mitigation, outcome, key);
        }
    }

    private PolicyEngine.RolloutGate rolloutGate(String tenant, ServerInventory server, MitigationPublished mitigation, EffectiveRules rules, RolloutPlan plan) {
        if (rules.rollout() == null || plan == null) {
            return PolicyEngine.RolloutGate.ALLOWED;
        }
        RolloutState state = rollout(tenant, mitigation, rules.rollout().getManualStart());
        int stage = plan.stageOf(server.getServerId());
        return switch (state.status()) {
            case "HALTED" -> new PolicyEngine.RolloutGate(false, true, "rollout halted: " + state.reason());
            case "WAITING" -> new PolicyEngine.RolloutGate(false, false, "rollout not started: waits for an admin to start it");
            case "PAUSED" -> new PolicyEngine.RolloutGate(false, false, "rollout paused: " + state.reason());
            default -> stage <= state.stage() ? PolicyEngine.RolloutGate.ALLOWED
                    : new PolicyEngine.RolloutGate(false, false, "rollout stage " + stage + " of " + plan.lastStage() + ": waits for stage " + state.stage() + " to succeed");
        };
    }

    /** The rollout of this revision in this tenant: created (running from the canaries, or waiting) when first needed. */
    private RolloutState rollout(String tenant, MitigationPublished mitigation, boolean manualStart) {
        String key = rolloutKey(tenant, mitigation.getDefinition().getId());
        RolloutState state = RolloutState.parse(rollouts.get(key));
        if (state == null || state.revision() != mitigation.getDefinition().getRevision()) {
            state = new RolloutState(mitigation.getDefinition().getRevision(), 0, manualStart ? "WAITING" : "RUNNING", "");
            rollouts.put(key, state.format());
        }
        return state;
    }

    private void onRolloutControl(RolloutControl control) {
        MitigationPublished mitigation = (MitigationPublished) mitigations.get(control.getMitigationId());
        if (mitigation == null || serversOf(control.getTenantId()).isEmpty()) {
            return; // every task gets the control; only the one holding the tenant's servers acts on it
        }
        String key = rolloutKey(control.getTenantId(), control.getMitigationId());
        RolloutState state = rollout(control.getTenantId(), mitigation, false);
        // resuming a halted rollout accepts the failures seen so far; only new ones count against the threshold
        int accepted = control.getAction().equals("RESUME") ? failuresSoFar(control.getTenantId(), mitigation, state) : state.acceptedFailures();
        RolloutState next = switch (control.getAction()) {
            case "START", "RESUME" -> new RolloutState(state.revision(), state.stage(), "RUNNING", "accepted=" + accepted);
            case "PAUSE" -> new RolloutState(state.revision(), state.stage(), "PAUSED", "by " + control.getBy());
            default -> state;
        };
        rollouts.put(key, next.format());
        audit(AuditEvents.builder(CommandFactory.ACTOR, "rollout." + control.getAction().toLowerCase(Locale.ROOT), next.status().toLowerCase(Locale.ROOT), control.getBy())
                .setTenantId(control.getTenantId()).setMitigationId(control.getMitigationId()).setRevision(state.revision())
                .setReason(control.getAction() + " by " + control.getBy() + " at stage " + state.stage()).build());
        reconcileTenant(control.getTenantId(), control.getMitigationId());
    }

    private void onResult(String tenant, String server, String mitigationId, String result, int revision) {
        outcomes.put(decisionKey(tenant, server, mitigationId), result + "|" + revision);
        TenantPolicy policy = (TenantPolicy) policies.get(tenant);
        MitigationPublished mitigation = (MitigationPublished) mitigations.get(mitigationId);
        if (policy != null && policy.getRollout() != null && mitigation != null && rolloutRunning(tenant, mitigation)) {
            // each result of a running rollout re-counts its stage: O(servers of the tenant) per result
            List<ServerInventory> tenantServers = serversOf(tenant);
            advanceRollout(tenant, mitigation, policy, new RolloutPlan(policy.getRollout(), mitigationId, tenantServers), tenantServers);
        }
    }

    /** A rollout of this revision is under way (not finished, halted or paused): only then can a result move it. */
    private boolean rolloutRunning(String tenant, MitigationPublished mitigation) {
        RolloutState state = RolloutState.parse(rollouts.get(rolloutKey(tenant, mitigation.getDefinition().getId())));
        return state != null && state.status().equals("RUNNING") && state.revision() == mitigation.getDefinition().getRevision();
    }

    /**
     * Gates the running rollout on its stages' results so far: halts it when more than the threshold failed, moves to
     * the next stage when every server commanded so far has reported.
     */
    private void advanceRollout(String tenant, MitigationPublished mitigation, TenantPolicy policy, RolloutPlan plan, List<ServerInventory> tenantServers) {
        String mitigationId = mitigation.getDefinition().getId();
        int revision = mitigation.getDefinition().getRevision();
        RolloutState state = RolloutState.parse(rollouts.get(rolloutKey(tenant, mitigationId)));
        while (state != null && state.status().equals("RUNNING") && state.revision() == revision) {
            int commandedCount = 0;
            int reported = 0;
            int failed = 0;
            for (ServerInventory server : tenantServers) {
                String key = decisionKey(tenant, server.getServerId(), mitigationId);
                String command = commanded.get(key);
                if (plan.stageOf(server.getServerId()) > state.stage() || command == null || !command.startsWith("APPLY|" + revision + "|")) {
                    continue;
                }
                commandedCount++;
                String result = outcomes.get(key);
                if (result != null && result.endsWith("|" + revision) && !result.startsWith("REMOVED")) {
                    reported++;
                    failed += result.startsWith("FAILED") ? 1 : 0;
                }
            }
            double threshold = policy.getRollout().getFailureThreshold();
            if (commandedCount > 0 && failed - state.acceptedFailures() > threshold * commandedCount) {
                String reason = String.format(Locale.ROOT, "%d of %d servers failed up to stage %d (%.0f%% > %.0f%% allowed)",
                        failed, commandedCount, state.stage(), 100.0 * failed / commandedCount, threshold * 100);
                state = new RolloutState(revision, state.stage(), "HALTED", reason);
                rollouts.put(rolloutKey(tenant, mitigationId), state.format());
                audit(AuditEvents.builder(CommandFactory.ACTOR, "decision.halted", "halted", CommandFactory.ACTOR)
                        .setTenantId(tenant).setMitigationId(mitigationId).setRevision(revision).setReason("rollout halted: " + reason)
                        .setDetails(Map.of("stage", Integer.toString(state.stage()), "failed", Integer.toString(failed), "commanded", Integer.toString(commandedCount))).build());
                for (ServerInventory server : tenantServers) {
                    reconcile(server, mitigation, policy, plan);
                }
                return;
            }
            if (reported < commandedCount || state.stage() >= plan.lastStage()) {
                return;
            }
            state = new RolloutState(revision, state.stage() + 1, "RUNNING", state.reason());
            rollouts.put(rolloutKey(tenant, mitigationId), state.format());
            audit(AuditEvents.builder(CommandFactory.ACTOR, "rollout.stage", "advanced", CommandFactory.ACTOR)
                    .setTenantId(tenant).setMitigationId(mitigationId).setRevision(revision)
                    .setReason("stage " + (state.stage() - 1) + " succeeded (" + reported + " reported, " + failed + " failed): stage " + state.stage() + " of " + plan.lastStage() + " starts")
                    .build());
            for (ServerInventory server : tenantServers) {
                reconcile(server, mitigation, policy, plan);
            }
        }
    }

    private int failuresSoFar(String tenant, MitigationPublished mitigation, RolloutState state) {
        int failed = 0;
        for (ServerInventory server : serversOf(tenant)) {
            String result = outcomes.get(decisionKey(tenant, server.getServerId(), mitigation.getDefinition().getId()));
            failed += result != null && result.equals("FAILED|" + state.revision()) ? 1 : 0;
        }
        return failed;
    }

    /** Tenants whose decisions change with the clock: maintenance windows, a lifetime for mitigations. */
    private void recheckTimeDependentTenants() {
        List<String> due = new ArrayList<>();
        try (var all = policies.all()) {
            all.forEachRemaining(kv -> {
                TenantPolicy p = (TenantPolicy) kv.value;
                boolean windows = !p.getMaintenanceWindows().isEmpty()
                        || p.getGroups().values().stream().anyMatch(r -> r.getMaintenanceWindows() != null)
                        || p.getTags().values().stream().anyMatch(r -> r.getMaintenanceWindows() != null)
                        || p.getServers().values().stream().anyMatch(r -> r.getMaintenanceWindows() != null);
                if (windows || p.getMitigationLifetimeDays() != null || p.getApprovalRequired()) {
                    due.add(kv.key);
                }
            });
        }
        due.forEach(this::reconcileTenant);
    }

    private void issue(ServerInventory server, MitigationPublished mitigation, PolicyEngine.Outcome outcome, String key) {
        String tenant = server.getTenantId();
        String serverId = server.getServerId();
        String sequenceKey = serverKey(tenant, serverId);
        Long last = sequences.get(sequenceKey);
        long sequence = last == null ? 1 : last + 1;
        boolean apply = outcome.action() == PolicyEngine.Action.APPLY;
        CommandFactory.Issued issued = apply
                ? commands.apply(tenant, serverId, sequence, mitigation, outcome)
                : commands.remove(tenant, serverId, sequence, mitigation, outcome);
        sequences.put(sequenceKey, sequence);
        commanded.put(key, outcome.state());
        decisions.put(key, (apply ? "decision.apply" : "decision.remove") + "|" + outcome.reason());

        var headers = new RecordHeaders().add(TENANT_HEADER, tenant.getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<String, SpecificRecord>(serverId, issued.signed(), context.currentSystemTimeMs(), headers),
                PolicyTopology.COMMANDS_SINK);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("commandId", issued.commandId());
        details.put("sequence", Long.toString(sequence));
        details.put("decision", outcome.kind().name());
        details.put("definitionDigest", mitigation.getDefinitionDigest());
        details.put("shadowMode", Boolean.toString(outcome.shadowMode()));
        audit(AuditEvents.builder(CommandFactory.ACTOR, apply ? "decision.apply" : "decision.remove", "commanded",
                        outcome.decidedBy().isEmpty() ? CommandFactory.ACTOR : outcome.decidedBy())
                .setTenantId(tenant).setServerId(serverId)
                .setMitigationId(mitigation.getDefinition().getId()).setRevision(mitigation.getDefinition().getRevision())
                .setReason(outcome.reason())
                .setDetails(details)
                .build());
    }

    /** A decision that changes nothing on the server: recorded, and audited when it differs from the last one. */
    private void record(ServerInventory server, MitigationPublished mitigation, PolicyEngine.Outcome outcome, String key) {
        String decision = outcome.code() + "|" + outcome.reason();
        String previous = decisions.get(key);
        if (decision.equals(previous) || (outcome.action() == PolicyEngine.Action.NONE && previous != null
                && outcome.code().equals("decision.in-force"))) {
            return;
        }
        decisions.put(key, decision);
        if (outcome.action() == PolicyEngine.Action.HOLD) {
            audit(AuditEvents.builder(CommandFactory.ACTOR, outcome.code(), "held", CommandFactory.ACTOR)
                    .setTenantId(server.getTenantId()).setServerId(server.getServerId())
                    .setMitigationId(mitigation.getDefinition().getId()).setRevision(mitigation.getDefinition().getRevision())
                    .setReason(outcome.reason()).build());
        }
    }

    private void audit(AuditRecord record) {
        context.forward(new Record<String, SpecificRecord>(AuditEvents.key(record), record, context.currentSystemTimeMs()),
                PolicyTopology.AUDIT_SINK);
    }

    private Instant now() {
        return Instant.ofEpochMilli(context.currentSystemTimeMs());
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

    /** A tenant's rollout of one revision: the stage reached and RUNNING, WAITING, PAUSED or HALTED (with why). */
    record RolloutState(int revision, int stage, String status, String reason) {

        static RolloutState parse(String value) {
            if (value == null) {
                return null;
            }
            String[] parts = value.split("\\|", 4);
            return new RolloutState(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), parts[2], parts.length > 3 ? parts[3] : "");
        }

        String format() {
            return revision + "|" + stage + "|" + status + "|" + reason;
        }

        int acceptedFailures() {
            return status.equals("RUNNING") && reason.startsWith("accepted=") ? Integer.parseInt(reason.substring("accepted=".length())) : 0;
        }
    }
}
