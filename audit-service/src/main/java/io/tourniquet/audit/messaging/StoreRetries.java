package io.tourniquet.audit.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.tourniquet.audit.config.AuditConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Stores a batch again while the database refuses it, with bounded backoff (AuditConfig.StoreRetry), counting each
 * retry; while any batch waits the service is not ready (StoreHealth). A batch still refused at the give-up time ends
 * the process with {@link #EXIT_STATUS}: its orchestrator restarts it, and the batch, never acknowledged, is read
 * again. A consumer that stopped on the first SQL error while the service kept answering would look healthy and
 * store nothing.
 */
@ApplicationScoped
public class StoreRetries {

    /** EX_SOFTWARE (sysexits.h). */
    public static final int EXIT_STATUS = 70;
    private static final Logger LOG = Logger.getLogger(StoreRetries.class);

    /** One attempt at storing the batch. */
    public interface Attempt<T> {
        T run() throws SQLException;
    }

    @Inject
    AuditConfig config;

    @Inject
    MeterRegistry registry;

    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicReference<String> lastError = new AtomicReference<>("");

    /** The attempt's result once the database takes it. */
    public <T> T store(String what, Attempt<T> attempt) {
        AuditConfig.StoreRetry retry = config.storeRetry();
        Instant giveUp = Instant.now().plus(retry.giveUpAfter());
        Duration delay = retry.base();
        boolean counted = false;
        try {
            for (int attempts = 1; ; attempts++) {
                try {
                    return attempt.run();
                } catch (SQLException e) {
                    lastError.set(e.getMessage());
                    if (Instant.now().plus(delay).isAfter(giveUp)) {
                        LOG.errorf(e, "%s: the database refused it %d times over %s; exiting (status %d) to be started again", what, attempts,
                                retry.giveUpAfter(), EXIT_STATUS);
                        Quarkus.asyncExit(EXIT_STATUS);
                        throw new IllegalStateException(what + ": the database refused it " + attempts + " times", e);
                    }
                    if (!counted) {
                        waiting.incrementAndGet();
                        counted = true;
                    }
                    registry.counter("tourniquet.audit.store.retries").increment();
                    LOG.warnf("%s: attempt %d refused by the database (%s); next in %s", what, attempts, e.getMessage(), delay);
                    pause(delay);
                    Duration doubled = delay.multipliedBy(2);
                    delay = doubled.compareTo(retry.maxDelay()) > 0 ? retry.maxDelay() : doubled;
                }
            }
        } finally {
            if (counted) {
                waiting.decrementAndGet();
            }
        }
    }

    /** Batches waiting for the database now. */
    public int waiting() {
        return waiting.get();
    }

    public String lastError() {
        return lastError.get();
    }

    private static void pause(Duration delay) {
        try {
            Thread.sleep(delay.toMillis()); // backoff between attempts on a worker thread, not a test
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the database", e);
        }
    }
}
