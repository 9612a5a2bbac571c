package io.tourniquet.audit.store;

import io.tourniquet.audit.domain.StoredEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** server: each server as its last inventory describes it, and when it was last seen (heartbeats included). */
final class ServerProjection {

    private ServerProjection() {
    }

    static void touch(Connection c, List<StoredEvent> heartbeats) throws SQLException {
        if (heartbeats.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE server SET last_seen = ? WHERE tenant_id = ? AND server_id = ? AND last_seen < ?")) {
            for (StoredEvent heartbeat : heartbeats) {
                ps.setTimestamp(1, Timestamp.from(heartbeat.occurredAt()));
                ps.setString(2, heartbeat.tenantId());
                ps.setString(3, heartbeat.serverId());
                ps.setTimestamp(4, Timestamp.from(heartbeat.occurredAt()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Servers as their inventories describe them; the last inventory of the batch per server wins. */
    static void update(Connection c, List<StoredEvent> events) throws SQLException {
        Map<List<String>, StoredEvent> latest = new LinkedHashMap<>();
        events.stream().filter(e -> e.server() != null).forEach(e -> latest.put(List.of(e.tenantId(), e.serverId()), e));
        if (latest.isEmpty()) {
            return;
        }
        List<StoredEvent> reports = new ArrayList<>(latest.values());
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE server SET product = ?, build = ?, backend = ?, agent_version = ?, last_seen = ? WHERE tenant_id = ? AND server_id = ?");
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO server (product, build, backend, agent_version, last_seen, tenant_id, server_id) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (StoredEvent e : reports) {
                setServer(update, e);
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            for (int k = 0; k < counts.length; k++) {
                if (counts[k] == 0) {
                    setServer(insert, reports.get(k));
                    insert.addBatch();
                }
            }
            insert.executeBatch();
        }
    }

    private static void setServer(PreparedStatement ps, StoredEvent e) throws SQLException {
        ps.setString(1, e.server().product());
        ps.setString(2, e.server().build());
        ps.setString(3, e.server().backend());
        ps.setString(4, e.server().agentVersion());
        ps.setTimestamp(5, Timestamp.from(e.occurredAt()));
        ps.setString(6, e.tenantId());
        ps.setString(7, e.serverId());
    }

}
