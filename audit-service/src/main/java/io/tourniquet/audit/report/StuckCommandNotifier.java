package io.tourniquet.audit.report;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.tourniquet.audit.config.AuditConfig;
import io.tourniquet.audit.domain.StoredEvent;
import io.tourniquet.audit.store.AuditStore;
import io.tourniquet.schemas.audit.AuditType;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Compares what the servers' heartbeats say with the commands sent to them: a command without a result after
 * {@code tourniquet.audit.stuck-after}, on a server heard from since, is recorded once as {@code command.stuck} (in the
 * tenant's chain, the CloudEvents topic, the stream and its webhooks) and counted by the gauge
 * {@code tourniquet.audit.commands.stuck}. An agent that keeps beating but no longer executes is not taken for healthy.
 */
@ApplicationScoped
public class StuckCommandNotifier {

    private static final Logger LOG = Logger.getLogger(StuckCommandNotifier.class);

    @Inject
    Reports reports;

    @Inject
    AuditStore store;

    @Inject
    MeterRegistry registry;

    @Inject
    AuditConfig config;

    private final AtomicInteger stuckNow = new AtomicInteger();

    @PostConstruct
    void gauge() {
        Gauge.builder("tourniquet.audit.commands.stuck", stuckNow, AtomicInteger::get)
                .description("commands without a result after tourniquet.audit.stuck-after on servers that still report").register(registry);
    }

    @Scheduled(identity = "stuck-commands", every = "${tourniquet.audit.stuck-check-interval}", delayed = "${tourniquet.audit.stuck-check-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void check() {
        try {
            Instant now = Instant.now();
            List<Reports.StuckCommand> stuck = reports.stuckCommands(null, config.stuckAfter(), now);
            stuckNow.set(stuck.size());
            List<StoredEvent> events = new ArrayList<>();
            for (Reports.StuckCommand s : stuck) {
                // one record per command: the decision that sent it names it
                events.add(new StoredEvent("stuck:" + s.decisionEventId(), s.tenantId(), s.serverId(), s.mitigationId(), null,
                        AuditType.COMMAND_STUCK.wireName(), "stuck", "audit-service",
                        (s.state().equals("COMMANDED") ? "apply" : "removal") + " sent " + s.commandedAt() + " has no result after "
                                + Duration.ofSeconds(s.waitingSeconds()) + " although the server reported at " + s.lastSeen(),
                        now, "audit-service", "{\"commandedAt\":\"" + s.commandedAt() + "\",\"lastSeen\":\"" + s.lastSeen() + "\"}", null, null));
            }
            int stored = store.store(events);
            if (stored > 0) {
                LOG.warnf("%d command(s) newly stuck: their servers report but have not carried them out for %s", stored, config.stuckAfter());
            }
        } catch (Exception e) {
            LOG.errorf(e, "stuck command check failed; the next one runs on schedule");
        }
    }
}
