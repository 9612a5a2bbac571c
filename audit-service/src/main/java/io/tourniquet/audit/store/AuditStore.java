package io.tourniquet.audit.store;

import java.util.Collections;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes events in batches, one transaction per batch, each event once, each tenant's chain extended in order. The
 * only writer: sequences are assigned and committed in order (the CloudEvents outbox relies on it).
 */
@ApplicationScoped
public class AuditStore {

    @Inject
    Database database;

    /** SQLSTATE of a unique constraint violation, in PostgreSQL and H2 alike. */
    private static final String UNIQUE_VIOLATION = "23505";

    /** Values per IN (...) query: small enough for any driver, large enough for few round trips. */
    private static final int IN_CHUNK = 500;

    /** The end of a tenant's chain; {@code stored}: chain_head already has a row for the tenant. */
    private record ChainHead(String hash, long lastSeq, boolean stored) {
    }

    /** @return how many of the events were new (the others had been stored before) */
    public int store(List<StoredEvent> events) throws SQLException {
        return store(events, List.of());
    }

    /**
     * Stores the events and, in the same transaction, what the mitigation catalog learns from them. Events are
     * first taken to be new (the usual case: looking each up costs the database more than storing it); if one was
     * stored before (a batch read again after a restart or rebalance), the unique event id refuses the batch, and it
     * is stored again looking every event up.
     */
    public synchronized int store(List<StoredEvent> events, List<CatalogEntry> catalog) throws SQLException {
        if (events.isEmpty() && catalog.isEmpty()) {
            return 0;
        }
        try {
            return store(events, catalog, false);
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState()) && !(e.getNextException() != null && UNIQUE_VIOLATION.equals(e.getNextException().getSQLState()))) {
                throw e;
            }
            return store(events, catalog, true);
        }
    }

    private int store(List<StoredEvent> events, List<CatalogEntry> catalog, boolean lookUpEvents) throws SQLException {
        try (Connection c = database.connection()) {
            try {
                for (CatalogEntry entry : catalog) {
                    upsert(c, entry);
                }
                int stored = insert(c, events, lookUpEvents);
                c.commit();
                return stored;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private int insert(Connection c, List<StoredEvent> all, boolean lookUpEvents) throws SQLException {
        // Heartbeats say a server is alive; they update its last-seen time and are not kept as evidence records.
        List<StoredEvent> heartbeats = new ArrayList<>();
        List<StoredEvent> events = new ArrayList<>();
        for (StoredEvent e : all) {
            (e.type().equals(EventMapper.HEARTBEAT_TYPE) ? heartbeats : events).add(e);
        }
        touch(c, heartbeats);
        Set<String> known = new HashSet<>();
        if (lookUpEvents) {
            selectIn(c, "SELECT event_id FROM audit_event WHERE event_id IN ", events.stream().map(StoredEvent::eventId).toList(),
                    rs -> known.add(rs.getString(1)));
        }
        List<StoredEvent> fresh = new ArrayList<>();
        for (StoredEvent e : events) {
            if (known.add(e.eventId())) {
                fresh.add(e);
            }
        }
        if (fresh.isEmpty()) {
            return 0;
        }
        Map<String, ChainHead> heads = heads(c, fresh);
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
            for (StoredEvent e : fresh) {
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
        updateStates(c, fresh, database.isPostgres());
        updateServers(c, fresh);
        return fresh.size();
    }

    /** The chain end of every tenant of the batch, read in one query per chunk; genesis for a tenant's first event. */
    private static Map<String, ChainHead> heads(Connection c, List<StoredEvent> events) throws SQLException {
        Map<String, ChainHead> heads = new HashMap<>();
        List<String> tenants = events.stream().map(StoredEvent::tenantId).distinct().toList();
        selectIn(c, "SELECT tenant_id, last_seq, hash FROM chain_head WHERE tenant_id IN ", tenants,
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

    private static void touch(Connection c, List<StoredEvent> heartbeats) throws SQLException {
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

    /**
     * The state follows the latest event by occurrence time: a decision read after its result does not undo it. Within
     * a batch only the latest event per (tenant, server, mitigation) counts (the later one of equal times, as if stored
     * one by one); rows are updated in one batch, and those missing inserted in another.
     */
    private static void updateStates(Connection c, List<StoredEvent> events, boolean postgres) throws SQLException {
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
                update.setString(i++, truncate(e.reason()));
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
                insert.setString(i++, truncate(e.reason()));
                insert.setTimestamp(i++, Timestamp.from(e.occurredAt()));
                insert.setString(i, e.eventId());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /** What reads a row of a query's result. */
    private interface RowReader {
        void read(ResultSet row) throws SQLException;
    }

    /** Runs the query (ending in "IN ") for these distinct values, in chunks so that statements stay small. */
    private static void selectIn(Connection c, String queryUpToIn, List<String> values, RowReader reader) throws SQLException {
        for (List<String> chunk : chunks(values.stream().distinct().toList())) {
            try (PreparedStatement ps = c.prepareStatement(queryUpToIn + placeholders(chunk.size()))) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        reader.read(rs);
                    }
                }
            }
        }
    }

    private static List<List<String>> chunks(List<String> values) {
        List<List<String>> chunks = new ArrayList<>();
        for (int from = 0; from < values.size(); from += IN_CHUNK) {
            chunks.add(values.subList(from, Math.min(values.size(), from + IN_CHUNK)));
        }
        return chunks;
    }

    private static String placeholders(int count) {
        return "(" + String.join(",", Collections.nCopies(count, "?")) + ")";
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

    /** Servers as their inventories describe them; the last inventory of the batch per server wins. */
    private static void updateServers(Connection c, List<StoredEvent> events) throws SQLException {
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

    /** For the projections (state detail, catalog title), which are not hashed; the event row keeps the whole text. */
    private static String truncate(String value) {
        return value == null || value.length() <= 4000 ? value : value.substring(0, 3997) + "...";
    }
}
