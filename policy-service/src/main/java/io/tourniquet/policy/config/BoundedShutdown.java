package io.tourniquet.policy.config;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Shutdown ends within {@code tourniquet.policy.shutdown-timeout} even when the broker is gone. Kafka Streams closes
 * without a time limit (Quarkus calls {@code KafkaStreams.close()}), and its threads first try to commit their open
 * transaction: with no broker they wait for it far beyond any orchestrator's grace period, and the process neither
 * works nor ends. Halting then is safe: the open transaction is aborted by the broker when the next instance takes
 * its transactional ids, so nothing it decided is seen twice or half.
 */
@ApplicationScoped
public class BoundedShutdown {

    /** The status the process ends with when it had to be halted. */
    public static final int HALTED = 1;
    private static final Logger LOG = Logger.getLogger(BoundedShutdown.class);

    @Inject
    PolicyConfig config;

    // first among the shutdown observers: the one that closes Kafka Streams (Quarkus') may never return
    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return; // a test JVM stops one application and starts the next: halting it would end the tests
        }
        Duration bound = config.shutdownTimeout();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(bound.toMillis()); // waits out the bound on a daemon thread; shutdown normally ends long before
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            LOG.errorf("shutdown did not end within %d s (is Kafka unreachable?): halting; the open transaction is aborted by the broker "
                    + "when the next instance starts", bound.toSeconds());
            Runtime.getRuntime().halt(HALTED);
        }, "bounded-shutdown");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
