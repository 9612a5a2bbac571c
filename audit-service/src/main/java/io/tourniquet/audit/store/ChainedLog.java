package io.tourniquet.audit.store;

import io.tourniquet.audit.domain.StoredEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The evidence itself: each event a row of audit_event with the next global sequence, linked into its tenant's hash
 * chain (prev_hash, hash) whose end is kept in chain_head. Rows are only ever appended.
 */
final class ChainedLog {

    /** The end of a tenant's chain; {@code stored}: chain_head already has a row for the tenant. */
    private record ChainHead(String hash, long lastSeq, boolean stored) {
    }

    private ChainedLog() {
    }

    /** Appends events not stored before, in order, inside the caller's transaction. */
    static void append(Connection c, List<StoredEvent> events) throws SQLException {
        Map<String, ChainHead> heads = heads(c, events);
        Instant now = Instant.now();
        try (PreparedStatement nextSeq = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM audit_event");
             PreparedStatement insert = c.prepareStatement("""
                     INSERT INTO audit_event (seq, event_id, tenant_id, server_id, mitigation_id, revision, event_type, outcome, actor,
                       reason, occurred_at, recorded_at, source_topic, payload, prev_hash, hash)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            long seq;
            try (ResultSet rs = nextSeq.executeQuery()) {
                rs.next();
                seq = rs.getLong(1);
            }
            for (StoredEvent e : events) {
                ChainHead tenantHead = heads.get(e.tenantId());
                seq++;
                String hash = ChainHash.of(tenantHead.hash(), seq, e.eventId(), e.tenantId(), e.serverId(), e.mitigationId(), e.revision(),
                        e.type(), e.outcome(), e.actor(), e.reason(), e.occurredAt(), e.sourceTopic(), e.payload());
                int i = 1;
                insert.setLong(i++, seq);
                insert.setString(i++, e.eventId());
                insert.setString(i++, e.tenantId());
                insert.setString(i++, e.serverId());
                insert.setString(i++, e.mitigationId());
                insert.setObject(i++, e.revision(), Types.INTEGER);
                insert.setString(i++, e.type());
                insert.setString(i++, e.outcome());
                insert.setString(i++, e.actor());
                insert.setString(i++, e.reason()); // whole: it is hashed whole (a cut reason would break the chain)
                insert.setTimestamp(i++, Timestamp.from(e.occurredAt()));
                insert.setTimestamp(i++, Timestamp.from(now));
                insert.setString(i++, e.sourceTopic());
                insert.setString(i++, e.payload());
                insert.setString(i++, tenantHead.hash());
                insert.setString(i, hash);
                insert.addBatch();
                heads.put(e.tenantId(), new ChainHead(hash, seq, tenantHead.stored()));
            }
            insert.executeBatch();
        }
        storeHeads(c, heads);
    }

    /** The chain end of every tenant of the batch, read in one query per chunk; genesis for a tenant's first event. */
    private static Map<String, ChainHead> heads(Connection c, List<StoredEvent> events) throws SQLException {
        Map<String, ChainHead> heads = new HashMap<>();
        List<String> tenants = events.stream().map(StoredEvent::tenantId).distinct().toList();
        Sql.selectIn(c, "SELECT tenant_id, last_seq, hash FROM chain_head WHERE tenant_id IN ", tenants,
                rs -> heads.put(rs.getString(1), new ChainHead(rs.getString(3), rs.getLong(2), true)));
        tenants.forEach(t -> heads.putIfAbsent(t, new ChainHead(ChainHash.GENESIS, 0, false)));
        return heads;
    }

    private static void storeHeads(Connection c, Map<String, ChainHead> heads) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE chain_head SET hash = ?, last_seq = ? WHERE tenant_id = ?");
             PreparedStatement insert = c.prepareStatement("INSERT INTO chain_head (hash, last_seq, tenant_id) VALUES (?, ?, ?)")) {
            for (var entry : heads.entrySet()) {
                PreparedStatement ps = entry.getValue().stored() ? update : insert;
                ps.setString(1, entry.getValue().hash());
                ps.setLong(2, entry.getValue().lastSeq());
                ps.setString(3, entry.getKey());
                ps.addBatch();
            }
            update.executeBatch();
            insert.executeBatch();
        }
    }

}
