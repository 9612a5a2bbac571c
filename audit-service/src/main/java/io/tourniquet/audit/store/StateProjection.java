package io.tourniquet.audit.store;

import io.tourniquet.audit.domain.StoredEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** mitigation_state: where each mitigation stands on each server, derived from the log (not hashed, rebuilt from it). */
final class StateProjection {

    private StateProjection() {
    }

    /**
     * The state follows the latest event by occurrence time: a decision read after its result does not undo it. Within
     * a batch only the latest event per (tenant, server, mitigation) counts (the later one of equal times, as if stored
     * one by one); rows are updated in one batch, and those missing inserted in another.
     */
    static void update(Connection c, List<StoredEvent> events, boolean postgres) throws SQLException {
        Map<List<String>, StoredEvent> latest = new LinkedHashMap<>();
        for (StoredEvent e : events) {
            if (e.stateChange() != null && e.serverId() != null && e.mitigationId() != null) {
                latest.merge(List.of(e.tenantId(), e.serverId(), e.mitigationId()), e,
                        (before, after) -> after.occurredAt().isBefore(before.occurredAt()) ? before : after);
            }
        }
        if (latest.isEmpty()) {
            return;
        }
        List<StoredEvent> candidates = new ArrayList<>(latest.values());
        if (postgres) {
            // one multi-row statement (reWriteBatchedInserts): insert, or update when this event is not older
            insertStates(c, candidates, """
                    ON CONFLICT (tenant_id, server_id, mitigation_id) DO UPDATE SET state = EXCLUDED.state, revision = EXCLUDED.revision,
                      detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at, last_event_id = EXCLUDED.last_event_id
                    WHERE mitigation_state.updated_at <= EXCLUDED.updated_at""");
            return;
        }
        List<StoredEvent> unmatched = new ArrayList<>();
        try (PreparedStatement update = c.prepareStatement("""
                UPDATE mitigation_state SET state = ?, revision = ?, detail = ?, updated_at = ?, last_event_id = ?
                WHERE tenant_id = ? AND server_id = ? AND mitigation_id = ? AND updated_at <= ?""")) {
            for (StoredEvent e : candidates) {
                int i = 1;
                update.setString(i++, e.stateChange());
                update.setObject(i++, e.revision(), Types.INTEGER);
                update.setString(i++, Sql.truncate(e.reason()));
                update.setTimestamp(i++, Timestamp.from(e.occurredAt()));
                update.setString(i++, e.eventId());
                update.setString(i++, e.tenantId());
                update.setString(i++, e.serverId());
                update.setString(i++, e.mitigationId());
                update.setTimestamp(i, Timestamp.from(e.occurredAt()));
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            for (int k = 0; k < counts.length; k++) {
                if (counts[k] == 0) {
                    unmatched.add(candidates.get(k));
                }
            }
        }
        // not updated: either no row yet (inserted now) or a later event already set the state (left as it is)
        insertStates(c, unmatched, "ON CONFLICT DO NOTHING");
    }

    private static void insertStates(Connection c, List<StoredEvent> events, String onConflict) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = c.prepareStatement("""
                INSERT INTO mitigation_state (tenant_id, server_id, mitigation_id, state, revision, detail, updated_at, last_event_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) """ + onConflict)) {
            for (StoredEvent e : events) {
                int i = 1;
                insert.setString(i++, e.tenantId());
                insert.setString(i++, e.serverId());
                insert.setString(i++, e.mitigationId());
                insert.setString(i++, e.stateChange());
                insert.setObject(i++, e.revision(), Types.INTEGER);
                insert.setString(i++, Sql.truncate(e.reason()));
                insert.setTimestamp(i++, Timestamp.from(e.occurredAt()));
                insert.setString(i, e.eventId());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

}
