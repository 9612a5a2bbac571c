package io.tourniquet.console.domain;


/**
 * How many servers of a tenant are in each kind of state for a mitigation (or for all): the audit trail's states
 * grouped as an operator reads them. Exposed is every server the mitigation was decided for that has it neither in
 * force nor removed as no longer needed (patched, withdrawn).
 */
public record StateCounts(long applied, long failed, long pending, long awaitingApproval, long blocked, long removed, long total) {

    public static final StateCounts NONE = new StateCounts(0, 0, 0, 0, 0, 0, 0);

    public long exposed() {
        return total - applied - removed;
    }

    public StateCounts plus(String state, long count) {
        return switch (state) {
            case "APPLIED" -> new StateCounts(applied + count, failed, pending, awaitingApproval, blocked, removed, total + count);
            case "FAILED", "DRIFTED" -> new StateCounts(applied, failed + count, pending, awaitingApproval, blocked, removed, total + count);
            case "AWAITING_APPROVAL" -> new StateCounts(applied, failed, pending, awaitingApproval + count, blocked, removed, total + count);
            case "BLOCKED", "DISABLED", "REJECTED", "HALTED" ->
                    new StateCounts(applied, failed, pending, awaitingApproval, blocked + count, removed, total + count);
            case "REMOVED" -> new StateCounts(applied, failed, pending, awaitingApproval, blocked, removed + count, total + count);
            // commanded, removal commanded, deferred (window, rollout stage), and any state added later
            default -> new StateCounts(applied, failed, pending + count, awaitingApproval, blocked, removed, total + count);
        };
    }

    public StateCounts plus(StateCounts other) {
        return new StateCounts(applied + other.applied, failed + other.failed, pending + other.pending, awaitingApproval + other.awaitingApproval,
                blocked + other.blocked, removed + other.removed, total + other.total);
    }
}
