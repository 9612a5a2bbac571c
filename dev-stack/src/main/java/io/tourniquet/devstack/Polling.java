package io.tourniquet.devstack;

import java.time.Duration;
import java.util.Optional;

/** Asks another process (or the broker) again and again until it answers: the launcher's and the bench's waits. */
public final class Polling {

    /** One question; empty while the answer is not there yet. */
    public interface Probe<T> {
        Optional<T> ask() throws Exception;
    }

    private Polling() {
    }

    /** Asks at once, then every {@code interval}, until the probe answers; empty when the timeout passes first. */
    public static <T> Optional<T> until(Duration timeout, Duration interval, Probe<T> probe) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> answer = probe.ask();
            if (answer.isPresent() || System.nanoTime() - deadline >= 0) {
                return answer;
            }
            Thread.sleep(interval.toMillis()); // waiting on another process; not test code
        }
    }
}
