package io.tourniquet.schemas.audit;

import io.tourniquet.schemas.AuditRecord;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/** Builds audit records the same way in every service, so that SOC tools see one shape. */
public final class AuditEvents {

    /** Kafka key of audit records that belong to no tenant (feed events, global switches). */
    public static final String NO_TENANT_KEY = "*";

    private AuditEvents() {
    }

    public static AuditRecord.Builder builder(String source, AuditType type, String outcome, String actor) {
        return AuditRecord.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSource(source)
                .setType(type.wireName())
                .setOutcome(outcome)
                .setActor(actor)
                .setDetails(Map.of());
    }

    public static String key(AuditRecord record) {
        return record.getTenantId() == null ? NO_TENANT_KEY : record.getTenantId();
    }
}
