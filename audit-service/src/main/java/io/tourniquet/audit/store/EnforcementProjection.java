package io.tourniquet.audit.store;

import io.tourniquet.audit.domain.StoredEvent;
import io.tourniquet.schemas.EnforcementCount;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.crypto.Digests;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * enforcement: the requests each mitigation's rules refused on each server, as the heartbeats count them. A count that
 * grew becomes an {@code agent.blocked} event for the tenant's chain (and so the CloudEvents topic, the stream and the
 * webhooks); its id is derived from the counts, so a heartbeat stored twice records it once. Counts lower than those
 * stored (an agent whose state was reset) replace them without an event.
 */
final class EnforcementProjection {

    private EnforcementProjection() {
    }

    /** Stores the heartbeats' counts; returns the agent.blocked events for the counts that grew. */
    static List<StoredEvent> update(Connection c, List<StoredEvent> heartbeats) throws SQLException {
        List<StoredEvent> grown = new ArrayList<>();
        if (heartbeats.stream().allMatch(h -> h.enforcement().isEmpty())) {
            return grown;
        }
        try (PreparedStatement read = c.prepareStatement(
                "SELECT blocked, would_block, reported_at FROM enforcement WHERE tenant_id = ? AND server_id = ? AND mitigation_id = ?");
             PreparedStatement update = c.prepareStatement("UPDATE enforcement SET blocked = ?, would_block = ?, first_seen = ?, last_seen = ?, reported_at = ?"
                     + " WHERE tenant_id = ? AND server_id = ? AND mitigation_id = ?");
             PreparedStatement insert = c.prepareStatement("INSERT INTO enforcement (blocked, would_block, first_seen, last_seen, reported_at,"
                     + " tenant_id, server_id, mitigation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (StoredEvent heartbeat : heartbeats) {
                for (EnforcementCount count : heartbeat.enforcement()) {
                    long blocked = 0;
                    long wouldBlock = 0;
                    boolean known;
                    read.setString(1, heartbeat.tenantId());
                    read.setString(2, heartbeat.serverId());
                    read.setString(3, count.getMitigationId());
                    try (ResultSet rs = read.executeQuery()) {
                        known = rs.next();
                        if (known) {
                            if (!rs.getTimestamp(3).toInstant().isBefore(heartbeat.occurredAt())) {
                                continue; // an older heartbeat than the one stored
                            }
                            blocked = rs.getLong(1);
                            wouldBlock = rs.getLong(2);
                        }
                    }
                    PreparedStatement write = known ? update : insert;
                    write.setLong(1, count.getBlocked());
                    write.setLong(2, count.getWouldBlock());
                    write.setTimestamp(3, Timestamp.from(count.getFirstSeenAt()));
                    write.setTimestamp(4, Timestamp.from(count.getLastSeenAt()));
                    write.setTimestamp(5, Timestamp.from(heartbeat.occurredAt()));
                    write.setString(6, heartbeat.tenantId());
                    write.setString(7, heartbeat.serverId());
                    write.setString(8, count.getMitigationId());
                    write.executeUpdate();
                    if (count.getBlocked() > blocked || count.getWouldBlock() > wouldBlock) {
                        grown.add(blockedEvent(heartbeat, count, Math.max(0, count.getBlocked() - blocked), Math.max(0, count.getWouldBlock() - wouldBlock)));
                    }
                }
            }
        }
        return grown;
    }

    private static StoredEvent blockedEvent(StoredEvent heartbeat, EnforcementCount count, long newBlocked, long newWouldBlock) {
        String id = "blocked-" + Digests.sha256((heartbeat.tenantId() + "/" + heartbeat.serverId() + "/" + count.getMitigationId() + "/"
                + count.getBlocked() + "/" + count.getWouldBlock()).getBytes(StandardCharsets.UTF_8)).substring(0, 40);
        String reason = count.getMitigationId() + " refused " + count.getBlocked() + " request(s) on " + heartbeat.serverId() + " since it went in ("
                + newBlocked + " new)" + (count.getWouldBlock() > 0 ? ", and would have refused " + count.getWouldBlock() + " log-only (" + newWouldBlock + " new)" : "")
                + "; first " + count.getFirstSeenAt() + ", last " + count.getLastSeenAt();
        String payload = "{\"blocked\":" + count.getBlocked() + ",\"wouldBlock\":" + count.getWouldBlock() + ",\"newBlocked\":" + newBlocked
                + ",\"newWouldBlock\":" + newWouldBlock + ",\"firstSeenAt\":\"" + count.getFirstSeenAt() + "\",\"lastSeenAt\":\"" + count.getLastSeenAt()
                + "\",\"heartbeat\":\"" + heartbeat.eventId() + "\"}";
        return new StoredEvent(id, heartbeat.tenantId(), heartbeat.serverId(), count.getMitigationId(), null, AuditType.AGENT_BLOCKED.wireName(),
                newBlocked > 0 ? "blocked" : "would-block", heartbeat.actor(), reason,
                count.getLastSeenAt(), heartbeat.sourceTopic(), payload, null, null);
    }
}
