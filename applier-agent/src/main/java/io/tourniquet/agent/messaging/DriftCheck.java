package io.tourniquet.agent.messaging;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.tourniquet.agent.config.AgentConfig;
import io.tourniquet.agent.domain.HostedServers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/** Re-checks, on a schedule, that what each server must have in force still is; reports (and corrects) drift. */
@ApplicationScoped
public class DriftCheck {

    private static final Logger LOG = Logger.getLogger(DriftCheck.class);

    @Inject
    AgentConfig config;

    @Inject
    HostedServers servers;

    @Inject
    AgentEventPublisher publisher;

    private ScheduledExecutorService scheduler;

    void onStart(@Observes StartupEvent event) {
        long interval = config.drift().checkInterval().toMillis();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "drift-check"));
        scheduler.scheduleWithFixedDelay(this::checkAll, interval, interval, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    void checkAll() {
        for (var agent : servers.all()) {
            try {
                for (var drift : agent.checkDrift(config.drift().correct())) {
                    LOG.warnf("drift on %s: %s not in force (%s)", agent.serverId(), drift.getMitigationId(),
                            drift.getCorrected() ? "put back" : "reported only");
                    publisher.publish(agent.serverId(), drift);
                }
            } catch (RuntimeException e) {
                // one server's check must not stop the others' or the next run
                LOG.errorf(e, "drift check of %s failed; next run on schedule", agent.serverId());
            }
        }
    }
}
