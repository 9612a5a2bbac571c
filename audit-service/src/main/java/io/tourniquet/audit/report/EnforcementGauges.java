package io.tourniquet.audit.report;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The requests refused across the fleet, per mitigation, as gauges for the SOC's dashboards:
 * {@code tourniquet.audit.requests.blocked} and {@code tourniquet.audit.requests.would.block} (log-only), summed over
 * every server by the database, refreshed every minute.
 */
@ApplicationScoped
public class EnforcementGauges {

    private static final Logger LOG = Logger.getLogger(EnforcementGauges.class);

    @Inject
    Reports reports;

    @Inject
    MeterRegistry registry;

    private MultiGauge blocked;
    private MultiGauge wouldBlock;

    @PostConstruct
    void register() {
        blocked = MultiGauge.builder("tourniquet.audit.requests.blocked").description("requests refused by each mitigation's rules, all servers").register(registry);
        wouldBlock = MultiGauge.builder("tourniquet.audit.requests.would.block")
                .description("requests each mitigation deployed log-only would have refused, all servers").register(registry);
    }

    @Scheduled(identity = "enforcement-gauges", every = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void refresh() {
        try {
            List<Reports.EnforcementTotal> totals = reports.enforcementTotals();
            blocked.register(totals.stream().map(t -> MultiGauge.Row.of(Tags.of("mitigation", t.mitigationId()), t.blocked())).toList(), true);
            wouldBlock.register(totals.stream().map(t -> MultiGauge.Row.of(Tags.of("mitigation", t.mitigationId()), t.wouldBlock())).toList(), true);
        } catch (Exception e) {
            LOG.errorf(e, "enforcement gauges not refreshed; the next refresh runs on schedule");
        }
    }
}
