package io.tourniquet.policy.messaging;

import io.tourniquet.access.ApiRefusal;
import io.tourniquet.schemas.audit.AuditType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import java.util.Map;

/** Puts each refused call to the admin API in the audit trail: who tried what, when, from where, and why it was refused. */
@ApplicationScoped
public class RefusalAuditor {

    @Inject
    AdminAuditPublisher audit;

    void record(@ObservesAsync ApiRefusal refusal) {
        audit.record(AuditType.API_REFUSED, "refused", refusal.caller(), refusal.tenant(), null, null, refusal.summary(),
                Map.of("status", Integer.toString(refusal.status()), "method", refusal.method(), "path", refusal.path(), "from", refusal.from()));
    }
}
