package io.tourniquet.policy.streams;

import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.policy.domain.EffectiveRules;
import io.tourniquet.policy.domain.PolicyEngine;
import io.tourniquet.policy.domain.RolloutPlan;
import io.tourniquet.schemas.Approval;
import io.tourniquet.schemas.HealthStatus;
import io.tourniquet.schemas.HealthVerdict;
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
import io.tourniquet.schemas.policy.ResultKind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Keeps, per server, the set of mitigations that must be in force and emits a signed command only when that set
 * changes: a new or withdrawn mitigation, a policy edit, an approval, a rollout stage, a new server, a server whose
 * build or updates changed, a maintenance window that opened. What was commanded and decided is kept in stores
 * (changelogged), so a restart or a replay emits nothing twice and a server offline for a week gets only its latest
 * desired state. A tenant's servers all live in this task (agent events are re-keyed by tenant), so staged rollouts
 * are gated here on the tenant's own results.
 *
 * <p>This class dispatches each input and decides servers with {@link PolicyEngine}; a change for every tenant is
 * spread over transactions by {@link FanOut}, rollouts move in {@link RolloutStateMachine}, and {@link CommandIssuer}
 * carries decisions out.
 */
class DesiredStateProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

    /** The agent events {@link #process} acts on; {@link TenantRouter} passes on these only. */
    static final Set<Class<? extends SpecificRecord>> AGENT_EVENTS_ACTED_ON = Set.of(ServerInventory.class, MitigationApplied.class,
            MitigationFailed.class, MitigationRemoved.class, MitigationSkipped.class);

    private final CommandFactory commands;
    private final Duration recheckInterval;
    private final FanOut.Settings fanOutSettings;
    private ProcessorContext<String, SpecificRecord> context;
    private PolicyStores stores;
    private FanOut fanOut;
    private CommandIssuer issuer;
    private RolloutStateMachine rollouts;

    DesiredStateProcessor(CommandFactory commands, Duration recheckInterval, FanOut.Settings fanOutSettings) {
        this.commands = commands;
        this.recheckInterval = recheckInterval;
        this.fanOutSettings = fanOutSettings;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.stores = new PolicyStores(context);
        this.fanOut = new FanOut(fanOutSettings, context);
        this.issuer = new CommandIssuer(commands, stores, context);
        this.rollouts = new RolloutStateMachine(stores, issuer::audit, this::decideAll);
        // maintenance windows open and mitigations expire with time, not with a message
        context.schedule(recheckInterval, PunctuationType.WALL_CLOCK_TIME, t -> recheckTimeDependentTenants());
        context.schedule(fanOutSettings.interval(), PunctuationType.WALL_CLOCK_TIME, t -> decidePending());
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        fanOut.startBatch();
        SpecificRecord value = record.value();
        if (value instanceof MitigationPublished published) {
            stores.putMitigation(published);
            reconcileEveryTenant(published.getDefinition().getId());
        } else if (value instanceof MitigationWithdrawn withdrawn) {
            stores.putWithdrawal(withdrawn);
            reconcileEveryTenant(withdrawn.getMitigationId());
        } else if (value instanceof TenantPolicy policy) {
            stores.putPolicy(policy);
            reconcileTenant(policy.getTenantId());
        } else if (value instanceof Approval approval) {
            stores.putControl(ControlKeys.approval(approval.getTenantId(), approval.getMitigationId()), approval);
            reconcileTenant(approval.getTenantId(), approval.getMitigationId());
        } else if (value instanceof MitigationKillSwitch killSwitch) {
            stores.putControl(ControlKeys.killSwitch(killSwitch.getMitigationId()), killSwitch);
            reconcileEveryTenant(killSwitch.getMitigationId());
        } else if (value instanceof ServerOverride override) {
            stores.putControl(ControlKeys.server(override.getTenantId(), override.getServerId(), override.getMitigationId()), override);
            reconcileTenant(override.getTenantId(), override.getMitigationId());
        } else if (value instanceof RolloutControl control) {
            if (rollouts.onControl(control)) {
                reconcileTenant(control.getTenantId(), control.getMitigationId());
            }
        } else if (value instanceof ServerInventory inventory) {
            stores.putServer(inventory);
            if (inventory.getLastSequence() != null) {
                stores.sequenceAtLeast(inventory.getTenantId(), inventory.getServerId(), inventory.getLastSequence());
            }
            for (String mitigationId : stores.mitigationIds()) {
                reconcileTenant(inventory.getTenantId(), mitigationId);
            }
        } else if (value instanceof MitigationApplied applied) {
            HealthVerdict health = applied.getHealth();
            rollouts.onResult(applied.getTenantId(), applied.getServerId(), applied.getCommand().getMitigationId(), ResultKind.APPLIED,
                    applied.getCommand().getRevision(), health != null && health.getStatus() == HealthStatus.REGRESSED ? health.getSummary() : "");
        } else if (value instanceof MitigationFailed failed) {
            rollouts.onResult(failed.getTenantId(), failed.getServerId(), failed.getCommand().getMitigationId(), ResultKind.FAILED,
                    failed.getCommand().getRevision(), "");
        } else if (value instanceof MitigationRemoved removed) {
            rollouts.onResult(removed.getTenantId(), removed.getServerId(), removed.getCommand().getMitigationId(), ResultKind.REMOVED,
                    removed.getCommand().getRevision(), "");
        } else if (value instanceof MitigationSkipped skipped && skipped.getCommand() != null) {
            // held back by the server's own admin is not a failure of the mitigation; every other refusal is
            boolean local = skipped.getReason() == SkipReason.BLOCKED_LOCALLY || skipped.getReason() == SkipReason.OBSERVE_ONLY;
            rollouts.onResult(skipped.getTenantId(), skipped.getServerId(), skipped.getCommand().getMitigationId(),
                    local ? ResultKind.HELD_LOCALLY : ResultKind.FAILED, skipped.getCommand().getRevision(), "");
        }
        // heartbeats only say a server is alive; the audit service keeps them
    }

    /** Decides for every tenant within this call's budget; the others are left to {@link #decidePending()}. */
    private void reconcileEveryTenant(String mitigationId) {
        for (String tenant : stores.tenants()) {
            if (fanOut.hasBudget()) {
                reconcileTenant(tenant, mitigationId);
            } else {
                fanOut.defer(tenant, mitigationId);
            }
        }
    }

    /** The next batch of tenants still to decide after a change for every tenant. */
    private void decidePending() {
        fanOut.startBatch();
        for (FanOut.Pending next : fanOut.take()) {
            if (!fanOut.hasBudget()) {
                return;
            }
            fanOut.done(next);
            reconcileTenant(next.tenant(), next.mitigationId());
        }
    }

    private void reconcileTenant(String tenant) {
        for (String mitigationId : stores.mitigationIds()) {
            reconcileTenant(tenant, mitigationId);
        }
    }

    /** Decides for every server of the tenant, with the tenant's rollout plan drawn once. */
    private void reconcileTenant(String tenant, String mitigationId) {
        MitigationPublished mitigation = stores.mitigation(mitigationId);
        if (mitigation == null) {
            return;
        }
        List<ServerInventory> tenantServers = stores.serversOf(tenant);
        fanOut.spend(tenantServers.size());
        TenantPolicy policy = stores.policy(tenant);
        RolloutPlan plan = policy != null && policy.getRollout() != null ? new RolloutPlan(policy.getRollout(), mitigationId, tenantServers) : null;
        decideAll(tenant, mitigation, policy, plan, tenantServers);
        if (plan != null) {
            rollouts.advance(tenant, mitigation, policy, plan, tenantServers);
        }
    }

    private void decideAll(String tenant, MitigationPublished mitigation, TenantPolicy policy, RolloutPlan plan, List<ServerInventory> tenantServers) {
        for (ServerInventory server : tenantServers) {
            decide(server, mitigation, policy, plan);
        }
    }

    private void decide(ServerInventory server, MitigationPublished mitigation, TenantPolicy policy, RolloutPlan plan) {
        String tenant = server.getTenantId();
        String mitigationId = mitigation.getDefinition().getId();
        EffectiveRules rules = EffectiveRules.of(policy, server);
        var situation = new PolicyEngine.Situation(server, mitigation, stores.withdrawal(mitigationId), rules,
                stores.control(ControlKeys.approval(tenant, mitigationId), Approval.class),
                stores.control(ControlKeys.killSwitch(mitigationId), MitigationKillSwitch.class),
                stores.control(ControlKeys.server(tenant, server.getServerId(), mitigationId), ServerOverride.class),
                rollouts.gate(tenant, server, mitigation, rules, plan),
                stores.commanded(PolicyStores.decisionKey(tenant, server.getServerId(), mitigationId)), now());
        PolicyEngine.Outcome outcome = PolicyEngine.decide(situation);
        switch (outcome.action()) {
            case APPLY, REMOVE -> issuer.issue(server, mitigation, outcome);
            case HOLD, NONE -> issuer.record(server, mitigation, outcome);
        }
    }

    /** Tenants whose decisions change with the clock: maintenance windows, a lifetime for mitigations. */
    private void recheckTimeDependentTenants() {
        for (TenantPolicy p : stores.allPolicies()) {
            boolean windows = !p.getMaintenanceWindows().isEmpty()
                    || p.getGroups().values().stream().anyMatch(r -> r.getMaintenanceWindows() != null)
                    || p.getTags().values().stream().anyMatch(r -> r.getMaintenanceWindows() != null)
                    || p.getServers().values().stream().anyMatch(r -> r.getMaintenanceWindows() != null);
            if (windows || p.getMitigationLifetimeDays() != null || p.getApprovalRequired()) {
                reconcileTenant(p.getTenantId());
            }
        }
    }

    private Instant now() {
        return Instant.ofEpochMilli(context.currentSystemTimeMs());
    }
}
