package io.tourniquet.policy.domain;

import io.tourniquet.schemas.Approval;
import io.tourniquet.schemas.DecisionKind;
import io.tourniquet.schemas.MitigationKillSwitch;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationWithdrawn;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.ServerOverride;
import java.time.Duration;
import java.time.Instant;

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
     * mitigation ("APPLY|..." or "REMOVE|..." or null).
     */
    public record Situation(ServerInventory server, MitigationPublished mitigation, MitigationWithdrawn withdrawal, EffectiveRules rules,
            Approval approval, MitigationKillSwitch killSwitch, ServerOverride override, RolloutGate rollout, String commanded, Instant now) {
    }

    /**
     * The decision. {@code code} is the audit type (decision.apply, decision.blocked...); {@code state} what is
     * commanded when the action is carried out (compared with the last one, so nothing is sent twice).
     */
    public record Outcome(Action action, String code, DecisionKind kind, String decidedBy, String reason, String state,
            boolean shadowMode, boolean driftReportOnly) {

        static Outcome none(String code, String reason) {
            return new Outcome(Action.NONE, code, DecisionKind.UNKNOWN, "", reason, null, false, false);
        }

        static Outcome hold(String code, String reason) {
            return new Outcome(Action.HOLD, code, DecisionKind.UNKNOWN, "", reason, null, false, false);
        }
    }

    private PolicyEngine() {
    }

    public static Outcome decide(Situation s) {
        var definition = s.mitigation().getDefinition();
        EffectiveRules rules = s.rules();
        boolean inForce = s.commanded() != null && s.commanded().startsWith("APPLY|");
        boolean windowOpen = MaintenanceWindows.open(rules.windows(), s.now());

        Outcome removal = removal(s);
        if (removal != null) {
            if (!inForce) {
                return removal.code().equals("decision.blocked") ? Outcome.hold("decision.blocked", removal.reason())
                        : Outcome.none("decision.not-needed", removal.reason());
            }
            if (!windowOpen) {
                return Outcome.hold("decision.deferred", "removal (" + removal.reason() + ") waits for a maintenance window");
            }
            return removal;
        }

        boolean shadow = rules.shadowMode();
        String nonce = s.override() != null && s.override().getAction().equals("REAPPLY") ? Long.toString(s.override().getAt().toEpochMilli()) : "";
        String state = "APPLY|" + definition.getRevision() + "|" + s.mitigation().getDefinitionDigest() + "|" + shadow + "|" + rules.driftReportOnly() + "|" + nonce;
        if (state.equals(s.commanded())) {
            return Outcome.none("decision.in-force", "in force as commanded");
        }
        if (s.killSwitch() != null && s.killSwitch().getEngaged()) {
            return Outcome.hold("decision.blocked", "kill switch engaged by " + s.killSwitch().getBy() + ": " + s.killSwitch().getReason());
        }
        if (!rules.mitigationsEnabled()) {
            return Outcome.hold("decision.disabled", "mitigations disabled by " + rules.source());
        }
        DecisionKind kind = DecisionKind.AUTO_APPLY;
        String decidedBy = CommandFactory.ACTOR;
        String reason = rules.source() + ": auto-apply";
        if (rules.approvalRequired()) {
            Approval approval = s.approval();
            if (approval == null || (approval.getRevision() != null && approval.getRevision() != definition.getRevision())) {
                return Outcome.hold("decision.awaiting-approval", "approval required by " + rules.source() + " for " + definition.getId() + " r" + definition.getRevision());
            }
            if (!approval.getApproved()) {
                return Outcome.hold("decision.rejected", "rejected by " + approval.getDecidedBy() + ": " + approval.getReason());
            }
            if (!approval.getExpiresAt().isAfter(s.now())) {
                return Outcome.hold("decision.awaiting-approval", "approval by " + approval.getDecidedBy() + " expired at " + approval.getExpiresAt());
            }
            kind = DecisionKind.APPROVED;
            decidedBy = approval.getDecidedBy();
            reason = "approved by " + approval.getDecidedBy() + " at " + approval.getDecidedAt() + ": " + approval.getReason();
        }
        if (!s.rollout().allowed()) {
            return Outcome.hold(s.rollout().halted() ? "decision.halted" : "decision.deferred", s.rollout().reason());
        }
        if (!windowOpen) {
            boolean emergency = rules.emergencyBypassesWindow() && !s.mitigation().getExploitation().isEmpty();
            if (!emergency) {
                return Outcome.hold("decision.deferred", "outside the maintenance windows of " + rules.source());
            }
            kind = kind == DecisionKind.APPROVED ? kind : DecisionKind.EMERGENCY;
            reason += "; outside the maintenance window as an emergency: " + s.mitigation().getExploitation().get(0).getCveId() + " is known exploited (CISA KEV)";
        }
        if (!nonce.isEmpty()) {
            reason = "re-applied by " + s.override().getBy() + ": " + s.override().getReason() + "; " + reason;
        }
        if (shadow) {
            reason += "; shadow mode: log only, nothing blocked";
        }
        return new Outcome(Action.APPLY, "decision.apply", kind, decidedBy, reason, state, shadow, rules.driftReportOnly());
    }

    /** Why the mitigation must not be in force on this server, or null when it must. */
    private static Outcome removal(Situation s) {
        var definition = s.mitigation().getDefinition();
        MitigationWithdrawn withdrawal = s.withdrawal();
        if (withdrawal != null && withdrawal.getRevision() >= definition.getRevision()) {
            return remove(DecisionKind.WITHDRAWN, "decision.remove", CommandFactory.ACTOR, "withdrawn: " + withdrawal.getReason(), s);
        }
        Applicability.Verdict verdict = Applicability.of(definition, s.server());
        if (!verdict.mustBeInForce()) {
            return remove(DecisionKind.PATCHED, "decision.remove", CommandFactory.ACTOR, "server not affected: " + verdict, s);
        }
        if (s.killSwitch() != null && s.killSwitch().getEngaged() && s.killSwitch().getRemoveApplied()) {
            return remove(DecisionKind.ADMIN, "decision.remove", s.killSwitch().getBy(), "kill switch: " + s.killSwitch().getReason(), s);
        }
        if (s.override() != null && s.override().getAction().equals("REMOVE")) {
            return remove(DecisionKind.ADMIN, "decision.remove", s.override().getBy(), "removed from this server by " + s.override().getBy() + ": " + s.override().getReason(), s);
        }
        Integer lifetime = s.rules().lifetimeDays();
        if (lifetime != null && !s.mitigation().getPublishedAt().plus(Duration.ofDays(lifetime)).isAfter(s.now())) {
            return remove(DecisionKind.EXPIRED, "decision.remove", CommandFactory.ACTOR, "expired: published " + s.mitigation().getPublishedAt()
                    + ", policy keeps mitigations " + lifetime + " days", s);
        }
        if (s.rules().blocked().contains(definition.getId())) {
            return remove(DecisionKind.ADMIN, "decision.blocked", CommandFactory.ACTOR, "blocked by " + s.rules().source(), s);
        }
        return null;
    }

    private static Outcome remove(DecisionKind kind, String code, String by, String reason, Situation s) {
        var definition = s.mitigation().getDefinition();
        return new Outcome(Action.REMOVE, code, kind, by, reason, "REMOVE|" + definition.getRevision() + "|" + s.mitigation().getDefinitionDigest(), false, false);
    }
}
