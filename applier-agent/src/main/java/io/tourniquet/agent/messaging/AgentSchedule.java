package io.tourniquet.agent.messaging;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import io.tourniquet.agent.config.AgentConfig;
import io.tourniquet.agent.domain.HostedServers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * The agent's schedule: heartbeats, inventory reports, and the drift check that re-reads what each server must
 * have in force and reports (and corrects) what no longer is. A run that fails is logged; the next one still runs.
 */
@ApplicationScoped
public class AgentSchedule {

    private static final Logger LOG = Logger.getLogger(AgentSchedule.class);

    @Inject
    AgentConfig config;

    @Inject
    HostedServers servers;

    @Inject
    AgentEventPublisher publisher;

    @Inject
    Scheduler scheduler;

    void onStart(@Observes StartupEvent event) {
        every(config.drift().checkInterval(), "drift-check", this::checkDrift);
        every(config.heartbeatInterval(), "heartbeat", () -> servers.all().forEach(a -> publisher.publish(a.serverId(), a.heartbeat())));
        every(config.inventoryInterval(), "inventory", () -> servers.all().forEach(a -> publisher.publish(a.serverId(), a.inventory())));
    }

    /** Intervals come from the typed configuration, so the jobs are made here rather than with @Scheduled. */
    private void every(Duration interval, String what, Runnable task) {
        scheduler.newJob("agent-" + what).setInterval(interval.toString()).setDelayed(interval.toString())
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.errorf(e, "%s failed; the next one runs on schedule", what);
                    }
                }).schedule();
    }

    void checkDrift() {
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
