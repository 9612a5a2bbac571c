package io.tourniquet.audit.store;

import java.sql.Timestamp;
import io.tourniquet.schemas.audit.AuditType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the REST API answers from the audit database. */
@ApplicationScoped
public class AuditQueries {

    /** The state of one mitigation on one server. */
    public record MitigationState(String tenantId, String serverId, String mitigationId, String state, Integer revision,
            String detail, Instant updatedAt, String lastEventId) {
    }

    /** One stored event. */
    public record Event(long seq, String eventId, String tenantId, String serverId, String mitigationId, Integer revision,
            String type, String outcome, String actor, String reason, Instant occurredAt, String sourceTopic, String hash) {
    }

    /** Result of recomputing a tenant's hash chain. */
    public record ChainVerification(String tenantId, boolean valid, long events, String head, Long firstBrokenSeq, String problem) {
    }

    @Inject
    Database database;

    public List<MitigationState> states(String tenant, String server, String mitigation) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT tenant_id, server_id, mitigation_id, state, revision, detail, updated_at, last_event_id "
                + "FROM mitigation_state WHERE 1 = 1");
        List<String> args = new ArrayList<>();
        filter(sql, args, "tenant_id", tenant);
        filter(sql, args, "server_id", server);
        filter(sql, args, "mitigation_id", mitigation);
        sql.append(" ORDER BY tenant_id, server_id, mitigation_id");
        List<MitigationState> rows = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new MitigationState(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            (Integer) rs.getObject(5), rs.getString(6), rs.getTimestamp(7).toInstant(), rs.getString(8)));
                }
            }
            c.rollback();
        }
        return rows;
    }

    /** A server as its agent last described it (inventory), and when it was last heard from (any report or heartbeat). */
    public record Server(String tenantId, String serverId, String product, String build, String backend, String agentVersion, Instant lastSeen) {
    }

    public List<Server> servers(String tenant, String server) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT tenant_id, server_id, product, build, backend, agent_version, last_seen FROM server WHERE 1 = 1");
        List<String> args = new ArrayList<>();
        filter(sql, args, "tenant_id", tenant);
        filter(sql, args, "server_id", server);
        sql.append(" ORDER BY tenant_id, server_id");
        List<Server> rows = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Server(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getTimestamp(7).toInstant()));
                }
            }
            c.rollback();
        }
        return rows;
    }

    /** Per tenant: how many (server, mitigation) pairs are in each state. */
    public Map<String, Map<String, Long>> summary() throws SQLException {
        Map<String, Map<String, Long>> summary = new TreeMap<>();
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("SELECT tenant_id, state, COUNT(*) FROM mitigation_state GROUP BY tenant_id, state");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                summary.computeIfAbsent(rs.getString(1), t -> new TreeMap<>()).put(rs.getString(2), rs.getLong(3));
            }
            c.rollback();
        }
        return summary;
    }

    public List<Event> events(String tenant, String server, String mitigation, String type, long afterSeq, int limit) throws SQLException {
        return events(new EventFilter(tenant, server, mitigation, type, null, null, null), afterSeq, limit);
    }

    /** Which events: every field optional; {@code from} inclusive, {@code to} exclusive, on the time the event occurred. */
    public record EventFilter(String tenant, String server, String mitigation, String type, String outcome, Instant from, Instant to) {
    }

    public List<Event> events(EventFilter f, long afterSeq, int limit) throws SQLException {
        return events(f, afterSeq, limit, false);
    }

    /** The same, the newest first when asked (a server's latest history without paging through all of it). */
    public List<Event> events(EventFilter f, long afterSeq, int limit, boolean newestFirst) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT seq, event_id, tenant_id, server_id, mitigation_id, revision, event_type, outcome, "
                + "actor, reason, occurred_at, source_topic, hash FROM audit_event WHERE seq > " + afterSeq);
        List<String> args = new ArrayList<>();
        filter(sql, args, "tenant_id", f.tenant());
        filter(sql, args, "server_id", f.server());
        filter(sql, args, "mitigation_id", f.mitigation());
        filter(sql, args, "event_type", f.type());
        filter(sql, args, "outcome", f.outcome());
        if (f.from() != null) {
            sql.append(" AND occurred_at >= ?");
        }
        if (f.to() != null) {
            sql.append(" AND occurred_at < ?");
        }
        sql.append(newestFirst ? " ORDER BY seq DESC LIMIT " : " ORDER BY seq LIMIT ").append(limit);
        List<Event> events = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            bind(ps, args);
            int next = args.size() + 1;
            if (f.from() != null) {
                ps.setTimestamp(next++, Timestamp.from(f.from()));
            }
            if (f.to() != null) {
                ps.setTimestamp(next, Timestamp.from(f.to()));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new Event(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            (Integer) rs.getObject(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                            rs.getTimestamp(11).toInstant(), rs.getString(12), rs.getString(13)));
                }
            }
            c.rollback();
        }
        return events;
    }

    /** Recomputes every hash of the tenant's chain and compares with what is stored and with the recorded head. */
    public ChainVerification verifyChain(String tenant) throws SQLException {
        return verifyChain(tenant, null);
    }

    /** A head published earlier: the hash the tenant's first {@code events} events had then. */
    public record Anchor(long events, String head, String signedAt) {
    }

    /** A tenant's recorded head and how many events its chain holds. */
    public record Head(String tenantId, long events, String hash) {
    }

    /** The heads of the chains whose newest event is not their own signed head: those that grew since they were anchored. */
    public List<Head> unanchoredHeads() throws SQLException {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("SELECT h.tenant_id, (SELECT COUNT(*) FROM audit_event e WHERE e.tenant_id = h.tenant_id), h.hash "
                     + "FROM chain_head h JOIN audit_event last ON last.seq = h.last_seq WHERE last.event_type <> ? ORDER BY h.tenant_id")) {
            ps.setString(1, AuditType.CHAIN_HEAD_SIGNED.wireName());
            List<Head> heads = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heads.add(new Head(rs.getString(1), rs.getLong(2), rs.getString(3)));
                }
            }
            c.rollback();
            return heads;
        }
    }

    /**
     * {@link #verifyChain(String)}, and also that the first events still hash to a head published before (null: none):
     * a chain rewritten from its first event on with every hash recomputed is intact in itself, but no longer meets the
     * head that left the database when it was signed.
     */
    public ChainVerification verifyChain(String tenant, Anchor anchor) throws SQLException {
        try (Connection c = database.connection();
             PreparedStatement ps = c.prepareStatement("SELECT seq, event_id, tenant_id, server_id, mitigation_id, revision, event_type, "
                     + "outcome, actor, reason, occurred_at, source_topic, payload, prev_hash, hash FROM audit_event WHERE tenant_id = ? ORDER BY seq");
             PreparedStatement headQuery = c.prepareStatement("SELECT last_seq, hash FROM chain_head WHERE tenant_id = ?")) {
            ps.setString(1, tenant);
            String previous = ChainHash.GENESIS;
            long count = 0;
            long lastSeq = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long seq = rs.getLong(1);
                    String expected = ChainHash.of(previous, seq, rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            (Integer) rs.getObject(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                            rs.getTimestamp(11).toInstant(), rs.getString(12), rs.getString(13));
                    if (!previous.equals(rs.getString(14)) || !expected.equals(rs.getString(15))) {
                        c.rollback();
                        return new ChainVerification(tenant, false, count, previous, seq, "event " + rs.getString(2) + " (seq " + seq
                                + ") does not follow from the one before it: edited, inserted, deleted or reordered");
                    }
                    previous = expected;
                    lastSeq = seq;
                    count++;
                    if (anchor != null && count == anchor.events() && !previous.equals(anchor.head())) {
                        c.rollback();
                        return new ChainVerification(tenant, false, count, previous, seq, "the first " + count + " events no longer hash to the head "
                                + "published at " + anchor.signedAt() + " (" + anchor.head() + "): the history before it was rewritten");
                    }
                }
            }
            if (anchor != null && count < anchor.events()) {
                c.rollback();
                return new ChainVerification(tenant, false, count, previous, lastSeq, "the chain holds " + count + " events but a head over "
                        + anchor.events() + " was published at " + anchor.signedAt() + ": events were deleted");
            }
            headQuery.setString(1, tenant);
            try (ResultSet rs = headQuery.executeQuery()) {
                boolean hasHead = rs.next();
                if (hasHead && (rs.getLong(1) != lastSeq || !rs.getString(2).equals(previous))) {
                    c.rollback();
                    return new ChainVerification(tenant, false, count, previous, lastSeq,
                            "the chain ends at seq " + lastSeq + " but its recorded head is seq " + rs.getLong(1) + ": events were deleted from the end");
                }
            }
            c.rollback();
            return new ChainVerification(tenant, true, count, previous, null, null);
        }
    }

    private static void filter(StringBuilder sql, List<String> args, String column, String value) {
        if (value != null && !value.isBlank()) {
            sql.append(" AND ").append(column).append(" = ?");
            args.add(value);
        }
    }

    private static void bind(PreparedStatement ps, List<String> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            ps.setString(i + 1, args.get(i));
        }
    }
}
