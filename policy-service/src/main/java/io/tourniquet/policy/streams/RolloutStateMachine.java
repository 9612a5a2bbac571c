package io.tourniquet.policy.streams;

import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.policy.domain.EffectiveRules;
import io.tourniquet.policy.domain.PolicyEngine;
import io.tourniquet.policy.domain.RolloutPlan;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.RolloutAction;
import io.tourniquet.schemas.RolloutControl;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.TenantPolicy;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.policy.CommandAction;
import io.tourniquet.schemas.policy.CommandedState;
import io.tourniquet.schemas.policy.ResultKind;
import io.tourniquet.schemas.policy.RolloutProgress;
import io.tourniquet.schemas.policy.RolloutStatus;
import io.tourniquet.schemas.policy.ServerResult;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A tenant's staged rollout of one mitigation revision: WAITING (for an admin's start), RUNNING from stage to stage
 * while the servers commanded so far report, HALTED when more than the policy's threshold failed, PAUSED by an admin.
 * Each change is audited; when a stage opens or the rollout halts, the tenant's servers are decided again.
 */
final class RolloutStateMachine {

    /** Decides every server of the tenant again (a stage opened, the rollout halted or was resumed). */
    interface Redecide {
        void servers(String tenant, MitigationPublished mitigation, TenantPolicy policy, RolloutPlan plan, List<ServerInventory> servers);
    }

    private final PolicyStores stores;
    private final Consumer<AuditRecord> audit;
    private final Redecide redecide;

    RolloutStateMachine(PolicyStores stores, Consumer<AuditRecord> audit, Redecide redecide) {
        this.stores = stores;
        this.audit = audit;
        this.redecide = redecide;
    }

    /** Where the rollout lets this server be now. */
    PolicyEngine.RolloutGate gate(String tenant, ServerInventory server, MitigationPublished mitigation, EffectiveRules rules, RolloutPlan plan) {
        if (rules.rollout() == null || plan == null) {
            return PolicyEngine.RolloutGate.ALLOWED;
        }
        RolloutProgress state = progress(tenant, mitigation, rules.rollout().getManualStart());
        int stage = plan.stageOf(server.getServerId());
        return switch (state.getStatus()) {
            case HALTED -> new PolicyEngine.RolloutGate(false, true, "rollout halted: " + state.getReason());
            case WAITING -> new PolicyEngine.RolloutGate(false, false, "rollout not started: waits for an admin to start it");
            case PAUSED -> new PolicyEngine.RolloutGate(false, false, "rollout paused: " + state.getReason());
            case RUNNING -> stage <= state.getStage() ? PolicyEngine.RolloutGate.ALLOWED
                    : new PolicyEngine.RolloutGate(false, false, "rollout stage " + stage + " of " + plan.lastStage() + ": waits for stage " + state.getStage() + " to succeed");
        };
    }

    /** The rollout of this revision in this tenant: created (running from the canaries, or waiting) when first needed. */
    private RolloutProgress progress(String tenant, MitigationPublished mitigation, boolean manualStart) {
        String mitigationId = mitigation.getDefinition().getId();
        RolloutProgress state = stores.rollout(tenant, mitigationId);
        if (state == null || state.getRevision() != mitigation.getDefinition().getRevision()) {
            state = new RolloutProgress(mitigation.getDefinition().getRevision(), 0, manualStart ? RolloutStatus.WAITING : RolloutStatus.RUNNING, "", 0, 0);
            stores.putRollout(tenant, mitigationId, state);
        }
        return state;
    }

    /**
     * An admin's start, pause or resume. Every task gets the control; only the one holding the tenant's servers acts
     * on it. Returns whether it did (the tenant's servers must then be decided again).
     */
    boolean onControl(RolloutControl control) {
        MitigationPublished mitigation = stores.mitigation(control.getMitigationId());
        if (mitigation == null || stores.serversOf(control.getTenantId()).isEmpty()) {
            return false;
        }
        RolloutProgress state = progress(control.getTenantId(), mitigation, false);
        RolloutProgress next = switch (control.getAction()) {
            // resuming a halted rollout accepts the failures and health regressions seen so far; only new ones count
            case RESUME -> {
                Counts seen = countResults(control.getTenantId(), mitigation, state.getRevision(), stores.serversOf(control.getTenantId()), server -> true);
                yield new RolloutProgress(state.getRevision(), state.getStage(), RolloutStatus.RUNNING, "", seen.failed, seen.regressed);
            }
            case START -> new RolloutProgress(state.getRevision(), state.getStage(), RolloutStatus.RUNNING, "", state.getAcceptedFailures(),
                    state.getAcceptedRegressions());
            case PAUSE -> new RolloutProgress(state.getRevision(), state.getStage(), RolloutStatus.PAUSED, "by " + control.getBy(), state.getAcceptedFailures(),
                    state.getAcceptedRegressions());
        };
        stores.putRollout(control.getTenantId(), control.getMitigationId(), next);
        audit.accept(AuditEvents.builder(CommandFactory.ACTOR, auditType(control.getAction()), next.getStatus().name().toLowerCase(Locale.ROOT), control.getBy())
                .setTenantId(control.getTenantId()).setMitigationId(control.getMitigationId()).setRevision(state.getRevision())
                .setReason(control.getAction() + " by " + control.getBy() + " at stage " + state.getStage()).build());
        return true;
    }

    private static AuditType auditType(RolloutAction action) {
        return switch (action) {
            case START -> AuditType.ROLLOUT_START;
            case PAUSE -> AuditType.ROLLOUT_PAUSE;
            case RESUME -> AuditType.ROLLOUT_RESUME;
        };
    }

    /** An agent's result: remembered, and while a rollout of that revision runs, its stage is counted again. */
    void onResult(String tenant, String server, String mitigationId, ResultKind result, int revision, String healthRegression) {
        stores.putOutcome(PolicyStores.decisionKey(tenant, server, mitigationId), new ServerResult(result, revision, healthRegression));
        TenantPolicy policy = stores.policy(tenant);
        MitigationPublished mitigation = stores.mitigation(mitigationId);
        if (policy != null && policy.getRollout() != null && mitigation != null && running(tenant, mitigation)) {
            // each result of a running rollout re-counts its stage: O(servers of the tenant) per result
            List<ServerInventory> tenantServers = stores.serversOf(tenant);
            advance(tenant, mitigation, policy, new RolloutPlan(policy.getRollout(), mitigationId, tenantServers), tenantServers);
        }
    }

    /** A rollout of this revision is under way (not finished, halted or paused): only then can a result move it. */
    private boolean running(String tenant, MitigationPublished mitigation) {
        RolloutProgress state = stores.rollout(tenant, mitigation.getDefinition().getId());
        return state != null && state.getStatus() == RolloutStatus.RUNNING && state.getRevision() == mitigation.getDefinition().getRevision();
    }

    /**
     * Gates the running rollout on its stages' results so far: halts it when a server's health regressed after applying
     * (its own probes: the reason names the probe) or when more than the threshold failed, moves to the next stage when
     * every server commanded so far has reported.
     */
    void advance(String tenant, MitigationPublished mitigation, TenantPolicy policy, RolloutPlan plan, List<ServerInventory> tenantServers) {
        String mitigationId = mitigation.getDefinition().getId();
        int revision = mitigation.getDefinition().getRevision();
        RolloutProgress state = stores.rollout(tenant, mitigationId);
        while (state != null && state.getStatus() == RolloutStatus.RUNNING && state.getRevision() == revision) {
            int stage = state.getStage();
            Counts counts = countResults(tenant, mitigation, revision, tenantServers, server -> plan.stageOf(server) <= stage);
            double threshold = policy.getRollout().getFailureThreshold();
            String halt = null;
            if (counts.regressed > state.getAcceptedRegressions()) {
                halt = "health regressed after applying on " + counts.regressed + " of " + counts.commanded + " servers up to stage " + stage
                        + ", first " + counts.firstRegression;
            } else if (counts.commanded > 0 && counts.failed - state.getAcceptedFailures() > threshold * counts.commanded) {
                halt = String.format(Locale.ROOT, "%d of %d servers failed up to stage %d (%.0f%% > %.0f%% allowed)",
                        counts.failed, counts.commanded, stage, 100.0 * counts.failed / counts.commanded, threshold * 100);
            }
            if (halt != null) {
                state = new RolloutProgress(revision, stage, RolloutStatus.HALTED, halt, state.getAcceptedFailures(), state.getAcceptedRegressions());
                stores.putRollout(tenant, mitigationId, state);
                audit.accept(AuditEvents.builder(CommandFactory.ACTOR, AuditType.DECISION_HALTED, "halted", CommandFactory.ACTOR)
                        .setTenantId(tenant).setMitigationId(mitigationId).setRevision(revision).setReason("rollout halted: " + halt)
                        .setDetails(Map.of("stage", Integer.toString(stage), "failed", Integer.toString(counts.failed),
                                "healthRegressed", Integer.toString(counts.regressed), "commanded", Integer.toString(counts.commanded))).build());
                redecide.servers(tenant, mitigation, policy, plan, tenantServers);
                return;
            }
            if (counts.reported < counts.commanded || stage >= plan.lastStage()) {
                return;
            }
            state = new RolloutProgress(revision, stage + 1, RolloutStatus.RUNNING, state.getReason(), state.getAcceptedFailures(), state.getAcceptedRegressions());
            stores.putRollout(tenant, mitigationId, state);
            audit.accept(AuditEvents.builder(CommandFactory.ACTOR, AuditType.ROLLOUT_STAGE, "advanced", CommandFactory.ACTOR)
                    .setTenantId(tenant).setMitigationId(mitigationId).setRevision(revision)
                    .setReason("stage " + stage + " succeeded (" + counts.reported + " reported, " + counts.failed + " failed): stage " + state.getStage() + " of " + plan.lastStage() + " starts")
                    .build());
            redecide.servers(tenant, mitigation, policy, plan, tenantServers);
        }
    }

    /** The results of this revision from the servers it was commanded to (apply), among those {@code counted}. */
    private static final class Counts {
        int commanded;
        int reported;
        int failed;
        int regressed;
        String firstRegression;
    }

    private Counts countResults(String tenant, MitigationPublished mitigation, int revision, List<ServerInventory> servers, Predicate<String> counted) {
        Counts counts = new Counts();
        String mitigationId = mitigation.getDefinition().getId();
        for (ServerInventory server : servers) {
            String key = PolicyStores.decisionKey(tenant, server.getServerId(), mitigationId);
            CommandedState command = stores.commanded(key);
            if (!counted.test(server.getServerId()) || command == null || command.getAction() != CommandAction.APPLY || command.getRevision() != revision) {
                continue;
            }
            counts.commanded++;
            ServerResult result = stores.outcome(key);
            if (result != null && result.getRevision() == revision && result.getKind() != ResultKind.REMOVED) {
                counts.reported++;
                counts.failed += result.getKind() == ResultKind.FAILED ? 1 : 0;
                if (result.getKind() == ResultKind.APPLIED && !result.getHealthRegression().isEmpty()) {
                    counts.regressed++;
                    counts.firstRegression = counts.firstRegression != null ? counts.firstRegression : server.getServerId() + " (" + result.getHealthRegression() + ")";
                }
            }
        }
        return counts;
    }
}
