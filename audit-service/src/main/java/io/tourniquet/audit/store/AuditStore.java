package io.tourniquet.audit.store;

import io.tourniquet.audit.domain.CatalogEntry;
import io.tourniquet.audit.domain.EventMapper;
import io.tourniquet.audit.domain.StoredEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Writes events in batches, one transaction per batch, each event once, each tenant's chain extended in order. */
@ApplicationScoped
public class AuditStore {

    @Inject
    Database database;

    /** The end of a tenant's chain; {@code stored}: chain_head already has a row for the tenant. */
    private record ChainHead(String hash, long lastSeq, boolean stored) {
    }

    /** @return how many of the events were new (the others had been stored before) */
    public int store(List<StoredEvent> events) throws SQLException {
        return store(events, List.of());
    }

    /** Stores the events and, in the same transaction, what the mitigation catalog learns from them. */
    public synchronized int store(List<StoredEvent> events, List<CatalogEntry> catalog) throws SQLException {
        if (events.isEmpty() && catalog.isEmpty()) {
            return 0;
        }
        try (Connection c = database.connection()) {
            try {
                for (CatalogEntry entry : catalog) {
                    upsert(c, entry);
                }
                int stored = insert(c, events);
                c.commit();
                return stored;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private int insert(Connection c, List<StoredEvent> all) throws SQLException {
        // Heartbeats say a server is alive; they update its last-seen time and are not kept as evidence records.
        List<StoredEvent> events = new ArrayList<>();
        for (StoredEvent e : all) {
            if (e.type().equals(EventMapper.HEARTBEAT_TYPE)) {
                touch(c, e);
            } else {
                events.add(e);
            }
        }
        Map<String, ChainHead> heads = new HashMap<>();
        List<StoredEvent> fresh = new ArrayList<>();
        try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM audit_event WHERE event_id = ?")) {
            java.util.Set<String> seenInBatch = new java.util.HashSet<>();
            for (StoredEvent e : events) {
                exists.setString(1, e.eventId());
                try (ResultSet rs = exists.executeQuery()) {
                    if (!rs.next() && seenInBatch.add(e.eventId())) {
                        fresh.add(e);
                    }
                }
            }
        }
        Instant now = Instant.now();
        try (PreparedStatement nextSeq = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM audit_event");
             PreparedStatement head = c.prepareStatement("SELECT last_seq, hash FROM chain_head WHERE tenant_id = ?");
             PreparedStatement insert = c.prepareStatement("""
                     INSERT INTO audit_event (seq, event_id, tenant_id, server_id, mitigation_id, revision, event_type, outcome, actor,
                       reason, occurred_at, recorded_at, source_topic, payload, prev_hash, hash)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            long seq;
            try (ResultSet rs = nextSeq.executeQuery()) {
                rs.next();
                seq = rs.getLong(1);
            }
            for (StoredEvent e : fresh) {
                ChainHead tenantHead = heads.get(e.tenantId());
                if (tenantHead == null) {
                    head.setString(1, e.tenantId());
                    try (ResultSet rs = head.executeQuery()) {
                        tenantHead = rs.next() ? new ChainHead(rs.getString(2), rs.getLong(1), true) : new ChainHead(ChainHash.GENESIS, 0, false);
                    }
                }
                seq++;
                String hash = ChainHash.of(tenantHead.hash(), seq, e.eventId(), e.tenantId(), e.serverId(), e.mitigationId(), e.revision(),
                        e.type(), e.outcome(), e.actor(), e.reason(), e.occurredAt(), e.sourceTopic(), e.payload());
                int i = 1;
                insert.setLong(i++, seq);
                insert.setString(i++, e.eventId());
                insert.setString(i++, e.tenantId());
                insert.setString(i++, e.serverId());
                insert.setString(i++, e.mitigationId());
                if (e.revision() == null) {
                    insert.setNull(i++, Types.INTEGER);
                } else {
                    insert.setInt(i++, e.revision());
                }
                insert.setString(i++, e.type());
                insert.setString(i++, e.outcome());
                insert.setString(i++, e.actor());
                insert.setString(i++, truncate(e.reason()));
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
        for (var entry : heads.entrySet()) {
            ChainHead h = entry.getValue();
            String sql = h.stored() ? "UPDATE chain_head SET hash = ?, last_seq = ? WHERE tenant_id = ?"
                    : "INSERT INTO chain_head (hash, last_seq, tenant_id) VALUES (?, ?, ?)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, h.hash());
                ps.setLong(2, h.lastSeq());
                ps.setString(3, entry.getKey());
                ps.executeUpdate();
            }
        }
        for (StoredEvent e : fresh) {
            updateState(c, e);
            updateServer(c, e);
        }
        return fresh.size();
    }

    private static void touch(Connection c, StoredEvent heartbeat) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE server SET last_seen = ? WHERE tenant_id = ? AND server_id = ? AND last_seen < ?")) {
            ps.setTimestamp(1, Timestamp.from(heartbeat.occurredAt()));
            ps.setString(2, heartbeat.tenantId());
            ps.setString(3, heartbeat.serverId());
            ps.setTimestamp(4, Timestamp.from(heartbeat.occurredAt()));
            ps.executeUpdate();
        }
    }

    /** The state follows the latest event by occurrence time: a decision read after its result does not undo it. */
    private static void updateState(Connection c, StoredEvent e) throws SQLException {
        if (e.stateChange() == null || e.serverId() == null || e.mitigationId() == null) {
            return;
        }
        try (PreparedStatement update = c.prepareStatement("""
                UPDATE mitigation_state SET state = ?, revision = ?, detail = ?, updated_at = ?, last_event_id = ?
                WHERE tenant_id = ? AND server_id = ? AND mitigation_id = ? AND updated_at <= ?""");
             PreparedStatement exists = c.prepareStatement(
                     "SELECT 1 FROM mitigation_state WHERE tenant_id = ? AND server_id = ? AND mitigation_id = ?")) {
            int i = 1;
            update.setString(i++, e.stateChange());
            update.setObject(i++, e.revision(), Types.INTEGER);
            update.setString(i++, truncate(e.reason()));
            update.setTimestamp(i++, Timestamp.from(e.occurredAt()));
            update.setString(i++, e.eventId());
            update.setString(i++, e.tenantId());
            update.setString(i++, e.serverId());
            update.setString(i++, e.mitigationId());
            update.setTimestamp(i, Timestamp.from(e.occurredAt()));
            if (update.executeUpdate() > 0) {
                return;
            }
            exists.setString(1, e.tenantId());
            exists.setString(2, e.serverId());
            exists.setString(3, e.mitigationId());
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return; // a later event already set the state
                }
            }
        }
        try (PreparedStatement insert = c.prepareStatement("""
                INSERT INTO mitigation_state (tenant_id, server_id, mitigation_id, state, revision, detail, updated_at, last_event_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
            int i = 1;
            insert.setString(i++, e.tenantId());
            insert.setString(i++, e.serverId());
            insert.setString(i++, e.mitigationId());
            insert.setString(i++, e.stateChange());
            insert.setObject(i++, e.revision(), Types.INTEGER);
            insert.setString(i++, truncate(e.reason()));
            insert.setTimestamp(i++, Timestamp.from(e.occurredAt()));
            insert.setString(i, e.eventId());
            insert.executeUpdate();
        }
    }

    private static void upsert(Connection c, CatalogEntry e) throws SQLException {
        if (e.publishedAt() == null) {
            try (PreparedStatement withdraw = c.prepareStatement("UPDATE mitigation SET withdrawn_at = ? WHERE mitigation_id = ? AND revision <= ?")) {
                withdraw.setTimestamp(1, Timestamp.from(e.withdrawnAt()));
                withdraw.setString(2, e.mitigationId());
                withdraw.setInt(3, e.revision());
                withdraw.executeUpdate();
            }
            return;
        }
        try (PreparedStatement update = c.prepareStatement("""
                UPDATE mitigation SET revision = ?, title = ?, cves = ?, published_at = ?, withdrawn_at = NULL, kev_cves = ?, kev_due_date = ?
                WHERE mitigation_id = ? AND revision <= ?""")) {
            update.setInt(1, e.revision());
            update.setString(2, truncate(e.title()));
            update.setString(3, String.join(",", e.cves()));
            update.setTimestamp(4, Timestamp.from(e.publishedAt()));
            update.setString(5, String.join(",", e.kevCves()));
            update.setString(6, e.kevDueDate());
            update.setString(7, e.mitigationId());
            update.setInt(8, e.revision());
            if (update.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM mitigation WHERE mitigation_id = ?")) {
            exists.setString(1, e.mitigationId());
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return; // a later revision is already known
                }
            }
        }
        try (PreparedStatement insert = c.prepareStatement("""
                INSERT INTO mitigation (mitigation_id, revision, title, cves, published_at, first_published_at, kev_cves, kev_due_date)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
            insert.setString(1, e.mitigationId());
            insert.setInt(2, e.revision());
            insert.setString(3, truncate(e.title()));
            insert.setString(4, String.join(",", e.cves()));
            insert.setTimestamp(5, Timestamp.from(e.publishedAt()));
            insert.setTimestamp(6, Timestamp.from(e.publishedAt()));
            insert.setString(7, String.join(",", e.kevCves()));
            insert.setString(8, e.kevDueDate());
            insert.executeUpdate();
        }
    }

    private static void updateServer(Connection c, StoredEvent e) throws SQLException {
        if (e.server() == null) {
            return;
        }
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE server SET product = ?, build = ?, backend = ?, agent_version = ?, last_seen = ? WHERE tenant_id = ? AND server_id = ?")) {
            setServer(update, e);
            if (update.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO server (product, build, backend, agent_version, last_seen, tenant_id, server_id) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            setServer(insert, e);
            insert.executeUpdate();
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

    private static String truncate(String value) {
        return value == null || value.length() <= 4000 ? value : value.substring(0, 3997) + "...";
    }
}
