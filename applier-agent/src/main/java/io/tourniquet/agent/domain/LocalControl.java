package io.tourniquet.agent.domain;

import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the server's own admin decided, whatever the policy says (like Set-ExchangeServer -MitigationsBlocked and
 * -MitigationsEnabled): mitigations blocked on this server, and observe-only, under which the agent verifies and
 * reports commands but changes nothing.
 */
public record LocalControl(boolean observeOnly, Set<String> blocked, String updatedBy, Instant updatedAt) {

    public static final LocalControl NONE = new LocalControl(false, Set.of(), "", Instant.EPOCH);

    public LocalControl {
        blocked = Set.copyOf(new TreeSet<>(blocked));
    }

    public boolean blocks(String mitigationId) {
        return blocked.contains(mitigationId);
    }

    public LocalControl withBlocked(String mitigationId, boolean block, String by) {
        Set<String> next = new TreeSet<>(blocked);
        if (block) {
            next.add(mitigationId);
        } else {
            next.remove(mitigationId);
        }
        return new LocalControl(observeOnly, next, by, Instant.now());
    }

    public LocalControl withObserveOnly(boolean observe, String by) {
        return new LocalControl(observe, blocked, by, Instant.now());
    }
}
