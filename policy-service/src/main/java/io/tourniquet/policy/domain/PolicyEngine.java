package io.tourniquet.policy.domain;

import io.tourniquet.schemas.Approval;
import io.tourniquet.schemas.DecisionKind;
import io.tourniquet.schemas.MitigationKillSwitch;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationWithdrawn;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.OverrideAction;
import io.tourniquet.schemas.ServerOverride;
import io.tourniquet.schemas.actions.Refusals;
import io.tourniquet.schemas.actions.WindowsChanges;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.policy.CommandAction;
import io.tourniquet.schemas.policy.CommandedState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides, for one server and one mitigation, what must happen now: apply, remove, hold (and why), or nothing.
 * A pure function of what is known; the topology feeds it and carries out the outcome.
 */
public final class PolicyEngine {

    /** What happens now. */
    public enum Action { APPLY, REMOVE, HOLD, NONE }

    /** Where a staged rollout lets this server be: allowed, or held with the reason. */
    public record RolloutGate(boolean allowed, boolean halted, String reason) {
        public static final RolloutGate ALLOWED = new RolloutGate(true, false, "");
    }

    /**
     * Everything the decision depends on. {@code commanded} is what was last commanded to the server for this
     * mitigation (null when nothing was).
     */
    public record Situation(ServerInventory server, MitigationPublished mitigation, MitigationWithdrawn withdrawal, EffectiveRules rules,
            Approval approval, MitigationKillSwitch killSwitch, ServerOverride override, RolloutGate rollout, CommandedState commanded, Instant now) {
    }

    /**
     * The decision. {@code code} is its audit type (decision.apply, decision.blocked...); {@code state} what is
     * commanded when the action is carried out (compared with the last one, so nothing is sent twice).
     */
    public record Outcome(Action action, AuditType code, DecisionKind kind, String decidedBy, String reason, CommandedState state,
            boolean shadowMode, boolean driftReportOnly) {

        static Outcome none(AuditType code, String reason) {
            return new Outcome(Action.NONE, code, DecisionKind.UNKNOWN, "", reason, null, false, false);
        }

        static Outcome hold(AuditType code, String reason) {
            return new Outcome(Action.HOLD, code, DecisionKind.UNKNOWN, "", reason, null, false, false);
        }
    }

    private PolicyEngine() {
    }

    public static Outcome decide(Situation s) {
        var definition = s.mitigation().getDefinition();
        EffectiveRules rules = s.rules();
        boolean inForce = s.commanded() != null && s.commanded().getAction() == CommandAction.APPLY;
        boolean windowOpen = MaintenanceWindows.open(rules.windows(), s.now());

        Outcome removal = removal(s);
        if (removal != null) {
            if (!inForce) {
                return removal.code() == AuditType.DECISION_BLOCKED ? Outcome.hold(AuditType.DECISION_BLOCKED, removal.reason())
                        : Outcome.none(AuditType.DECISION_NOT_NEEDED, removal.reason());
            }
            if (!windowOpen) {
                return Outcome.hold(AuditType.DECISION_DEFERRED, "removal (" + removal.reason() + ") waits for a maintenance window");
            }
            return removal;
        }

        boolean shadow = rules.shadowMode();
        Long reappliedAt = s.override() != null && s.override().getAction() == OverrideAction.REAPPLY ? s.override().getAt().toEpochMilli() : null;
        CommandedState state = new CommandedState(CommandAction.APPLY, definition.getRevision(), s.mitigation().getDefinitionDigest(), shadow,
                rules.driftReportOnly(), reappliedAt);
        if (state.equals(s.commanded())) {
            return Outcome.none(AuditType.DECISION_IN_FORCE, "in force as commanded");
        }
        if (s.killSwitch() != null && s.killSwitch().getEngaged()) {
            return Outcome.hold(AuditType.DECISION_BLOCKED, "kill switch engaged by " + s.killSwitch().getBy() + ": " + s.killSwitch().getReason());
        }
        if (!rules.mitigationsEnabled()) {
            return Outcome.hold(AuditType.DECISION_DISABLED, "mitigations disabled by " + rules.source());
        }
        Set<String> notAllowed = new TreeSet<>(WindowsChanges.of(definition));
        notAllowed.removeAll(rules.allowedWindowsChanges());
        if (!notAllowed.isEmpty()) {
            return Outcome.hold(AuditType.DECISION_BLOCKED, definition.getId() + " would change " + notAllowed
                    + ", which the tenant's policy does not allow (allowedWindowsChanges)");
        }
        List<String> refused = Refusals.of(definition, shadow, s.server().getRefusals());
        if (!refused.isEmpty()) {
            return Outcome.hold(AuditType.DECISION_BLOCKED, "the " + s.server().getBackend() + " backend of " + s.server().getServerId()
                    + " refuses " + String.join("; ", refused) + " (reported with its inventory): not sent");
        }
        DecisionKind kind = DecisionKind.AUTO_APPLY;
        String decidedBy = CommandFactory.ACTOR;
        String reason = rules.source() + ": auto-apply";
        if (rules.approvalRequired()) {
            Approval approval = s.approval();
            if (approval == null || (approval.getRevision() != null && approval.getRevision() != definition.getRevision())) {
                return Outcome.hold(AuditType.DECISION_AWAITING_APPROVAL, "approval required by " + rules.source() + " for " + definition.getId() + " r" + definition.getRevision());
            }
            if (!approval.getApproved()) {
                return Outcome.hold(AuditType.DECISION_REJECTED, "rejected by " + approval.getDecidedBy() + ": " + approval.getReason());
            }
            if (!approval.getExpiresAt().isAfter(s.now())) {
                return Outcome.hold(AuditType.DECISION_AWAITING_APPROVAL, "approval by " + approval.getDecidedBy() + " expired at " + approval.getExpiresAt());
            }
            kind = DecisionKind.APPROVED;
            decidedBy = approval.getDecidedBy();
            reason = "approved by " + approval.getDecidedBy() + " at " + approval.getDecidedAt() + ": " + approval.getReason();
        }
        if (!s.rollout().allowed()) {
            return Outcome.hold(s.rollout().halted() ? AuditType.DECISION_HALTED : AuditType.DECISION_DEFERRED, s.rollout().reason());
        }
        if (!windowOpen) {
            boolean emergency = rules.emergencyBypassesWindow() && !s.mitigation().getExploitation().isEmpty();
            if (!emergency) {
                return Outcome.hold(AuditType.DECISION_DEFERRED, "outside the maintenance windows of " + rules.source());
            }
            kind = kind == DecisionKind.APPROVED ? kind : DecisionKind.EMERGENCY;
            reason += "; outside the maintenance window as an emergency: " + s.mitigation().getExploitation().get(0).getCveId() + " is known exploited (CISA KEV)";
        }
        if (reappliedAt != null) {
            reason = "re-applied by " + s.override().getBy() + ": " + s.override().getReason() + "; " + reason;
        }
        if (shadow) {
            reason += "; shadow mode: log only, nothing blocked";
        }
        return new Outcome(Action.APPLY, AuditType.DECISION_APPLY, kind, decidedBy, reason, state, shadow, rules.driftReportOnly());
    }

    /** Why the mitigation must not be in force on this server, or null when it must. */
    private static Outcome removal(Situation s) {
        var definition = s.mitigation().getDefinition();
        MitigationWithdrawn withdrawal = s.withdrawal();
        if (withdrawal != null && withdrawal.getRevision() >= definition.getRevision()) {
            return remove(DecisionKind.WITHDRAWN, AuditType.DECISION_REMOVE, CommandFactory.ACTOR, "withdrawn: " + withdrawal.getReason(), s);
        }
        Applicability.Verdict verdict = Applicability.of(definition, s.server());
        if (!verdict.mustBeInForce()) {
            return remove(DecisionKind.PATCHED, AuditType.DECISION_REMOVE, CommandFactory.ACTOR, "server not affected: " + verdict, s);
        }
        if (s.killSwitch() != null && s.killSwitch().getEngaged() && s.killSwitch().getRemoveApplied()) {
            return remove(DecisionKind.ADMIN, AuditType.DECISION_REMOVE, s.killSwitch().getBy(), "kill switch: " + s.killSwitch().getReason(), s);
        }
        if (s.override() != null && s.override().getAction() == OverrideAction.REMOVE) {
            return remove(DecisionKind.ADMIN, AuditType.DECISION_REMOVE, s.override().getBy(), "removed from this server by " + s.override().getBy() + ": " + s.override().getReason(), s);
        }
        Integer lifetime = s.rules().lifetimeDays();
        if (lifetime != null && !s.mitigation().getPublishedAt().plus(Duration.ofDays(lifetime)).isAfter(s.now())) {
            return remove(DecisionKind.EXPIRED, AuditType.DECISION_REMOVE, CommandFactory.ACTOR, "expired: published " + s.mitigation().getPublishedAt()
                    + ", policy keeps mitigations " + lifetime + " days", s);
        }
        if (s.rules().blocked().contains(definition.getId())) {
            return remove(DecisionKind.ADMIN, AuditType.DECISION_BLOCKED, CommandFactory.ACTOR, "blocked by " + s.rules().source(), s);
        }
        return null;
    }

    private static Outcome remove(DecisionKind kind, AuditType code, String by, String reason, Situation s) {
        var definition = s.mitigation().getDefinition();
        return new Outcome(Action.REMOVE, code, kind, by, reason,
                new CommandedState(CommandAction.REMOVE, definition.getRevision(), s.mitigation().getDefinitionDigest(), false, false, null), false, false);
    }
}
