package io.tourniquet.audit.report;

import io.tourniquet.schemas.audit.AuditType;
import io.quarkus.scheduler.Scheduled;
import io.tourniquet.audit.domain.StoredEvent;
import io.tourniquet.audit.store.AuditStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Records an {@code exposure.overdue} event, once, when a server is still exposed past the CISA KEV due date of a CVE
 * a mitigation addresses: it then reaches the audit trail, the CloudEvents topic, the stream and the tenant's webhooks
 * like any other event. The event id is derived from tenant, server, mitigation and due date, so a repeat is a no-op.
 */
@ApplicationScoped
public class OverdueNotifier {

    private static final Logger LOG = Logger.getLogger(OverdueNotifier.class);

    @Inject
    Reports reports;

    @Inject
    AuditStore store;

    @Scheduled(identity = "kev-overdue", every = "${tourniquet.audit.overdue-check-interval}", delayed = "${tourniquet.audit.overdue-check-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void check() {
        try {
            Instant now = Instant.now();
            List<StoredEvent> events = new ArrayList<>();
            for (Reports.Overdue o : reports.kevOverdue(null, now)) {
                if (!o.stillExposed()) {
                    continue;
                }
                String id = "overdue:" + o.tenantId() + "/" + o.serverId() + "/" + o.mitigationId() + "/" + o.dueDate();
                events.add(new StoredEvent(id, o.tenantId(), o.serverId(), o.mitigationId(), null, AuditType.EXPOSURE_OVERDUE.wireName(), "overdue",
                        "audit-service", String.join(",", o.kevCves()) + " due " + o.dueDate() + " (CISA KEV); still exposed: " + o.status()
                                + (o.why() == null || o.why().isEmpty() ? "" : ", " + o.why()),
                        now, "audit-service", "{\"dueDate\":\"" + o.dueDate() + "\"}", null, null));
            }
            int stored = store.store(events);
            if (stored > 0) {
                LOG.warnf("%d server/mitigation pair(s) newly overdue against CISA KEV due dates", stored);
            }
        } catch (Exception e) {
            LOG.errorf(e, "KEV overdue check failed; the next one runs on schedule");
        }
    }
}
