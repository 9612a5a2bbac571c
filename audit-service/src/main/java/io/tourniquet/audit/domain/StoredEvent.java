package io.tourniquet.audit.domain;

import java.time.Instant;

/**
 * One event as the audit trail keeps it, whatever its Avro type.
 *
 * @param stateChange the mitigation state this event sets on (tenant, server, mitigation), or null
 */
public record StoredEvent(String eventId, String tenantId, String serverId, String mitigationId, Integer revision,
        String type, String outcome, String actor, String reason, Instant occurredAt, String sourceTopic, String payload,
        String stateChange, ServerReport server) {

    /** What an inventory event says about a server. */
    public record ServerReport(String product, String build, String backend, String agentVersion) {
    }
}
