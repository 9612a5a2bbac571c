package io.tourniquet.access;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** At most {@code limit} calls per caller in any sliding window; one caller's burst does not slow the others. */
public final class RateLimit {

    private final int limit;
    private final Duration window;
    private final Map<String, Deque<Instant>> calls = new ConcurrentHashMap<>();

    public RateLimit(int limit, Duration window) {
        this.limit = limit;
        this.window = window;
    }

    /** Counts a call of the caller: empty when allowed, else how long until the next one is. */
    public Optional<Duration> acquire(String caller) {
        Deque<Instant> recent = calls.computeIfAbsent(String.valueOf(caller), c -> new ArrayDeque<>());
        synchronized (recent) {
            Instant now = Instant.now();
            while (!recent.isEmpty() && !recent.peekFirst().plus(window).isAfter(now)) {
                recent.removeFirst();
            }
            if (recent.size() >= limit) {
                return Optional.of(Duration.between(now, recent.peekFirst().plus(window)));
            }
            recent.addLast(now);
            return Optional.empty();
        }
    }
}
