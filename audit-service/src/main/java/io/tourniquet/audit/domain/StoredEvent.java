package io.tourniquet.audit.domain;

import io.tourniquet.schemas.EnforcementCount;
import java.time.Instant;
import java.util.List;

/**
 * One event as the audit trail keeps it, whatever its Avro type.
 *
 * @param stateChange the mitigation state this event sets on (tenant, server, mitigation), or null
 * @param enforcement a heartbeat's counts of requests refused per mitigation; empty for every other event
 */
public record StoredEvent(String eventId, String tenantId, String serverId, String mitigationId, Integer revision,
        String type, String outcome, String actor, String reason, Instant occurredAt, String sourceTopic, String payload,
        String stateChange, ServerReport server, List<EnforcementCount> enforcement) {

    public StoredEvent(String eventId, String tenantId, String serverId, String mitigationId, Integer revision, String type, String outcome,
            String actor, String reason, Instant occurredAt, String sourceTopic, String payload, String stateChange, ServerReport server) {
        this(eventId, tenantId, serverId, mitigationId, revision, type, outcome, actor, reason, occurredAt, sourceTopic, payload, stateChange, server, List.of());
    }

    /**
     * Rows are hashed whole, so a value wider than its column (see V1__audit_events.sql) is refused, never cut: the
     * event is dead-lettered with this reason instead of failing the batch it arrived in.
     *
     * @throws IllegalArgumentException naming the first field that does not fit
     */
    public void requireFitsColumns() {
        fits("event id", eventId, 100);
        fits("tenant id", tenantId, 63);
        fits("server id", serverId, 253);
        fits("mitigation id", mitigationId, 64);
        fits("type", type, 64);
        fits("outcome", outcome, 64);
        fits("actor", actor, 256);
        fits("source topic", sourceTopic, 255);
    }

    private static void fits(String field, String value, int width) {
        if (value != null && value.length() > width) {
            throw new IllegalArgumentException(field + " is " + value.length() + " characters long; the audit trail keeps at most " + width);
        }
    }

    /** What an inventory event says about a server. */
    public record ServerReport(String product, String build, String backend, String agentVersion) {
    }
}
