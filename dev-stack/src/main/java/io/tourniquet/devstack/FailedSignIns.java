package io.tourniquet.devstack;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Throttles guessing: after {@code limit} failed sign-ins of one account within the window, it is refused until the oldest ages out. */
final class FailedSignIns {

    private final int limit;
    private final Duration window;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    FailedSignIns(int limit, Duration window) {
        this.limit = limit;
        this.window = window;
    }

    /** How long the account must wait, if it is throttled now. */
    Optional<Duration> blockedFor(String account) {
        Deque<Instant> recent = failures.get(account);
        if (recent == null) {
            return Optional.empty();
        }
        synchronized (recent) {
            Instant now = Instant.now();
            while (!recent.isEmpty() && recent.peekFirst().plus(window).isBefore(now)) {
                recent.removeFirst();
            }
            return recent.size() < limit ? Optional.empty() : Optional.of(Duration.between(now, recent.peekFirst().plus(window)));
        }
    }

    void failed(String account) {
        Deque<Instant> recent = failures.computeIfAbsent(account, a -> new ArrayDeque<>());
        synchronized (recent) {
            recent.addLast(Instant.now());
            while (recent.size() > limit) {
                recent.removeFirst();
            }
        }
    }

    void succeeded(String account) {
        failures.remove(account);
    }
}
