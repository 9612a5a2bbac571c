package io.tourniquet.ingestor.messaging;

import io.tourniquet.access.ApiRefusal;
import io.tourniquet.ingestor.service.FeedIngestion;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import java.util.Map;

/** Puts each refused call to the ingestor's API (a push without the right token, too many pushes) in the audit trail. */
@ApplicationScoped
public class RefusalAuditor {

    @Inject
    FeedEventPublisher publisher;

    void record(@ObservesAsync ApiRefusal refusal) {
        publisher.publishAudit(AuditEvents.builder(FeedIngestion.SOURCE, AuditType.API_REFUSED, "refused", refusal.caller())
                .setTenantId(refusal.tenant()).setReason(refusal.summary())
                .setDetails(Map.of("status", Integer.toString(refusal.status()), "method", refusal.method(), "path", refusal.path(),
                        "from", refusal.from())).build());
    }
}
