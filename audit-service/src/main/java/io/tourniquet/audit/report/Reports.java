package io.tourniquet.audit.report;

import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.audit.domain.ExposureTimeline;
import io.tourniquet.audit.domain.Percentiles;
import io.tourniquet.audit.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The compliance answers: exposure per CVE, time to mitigate, KEV overdue, evidence export. Read-only queries. */
@ApplicationScoped
public class Reports {

    /** A server not heard from for this long is reported offline when it is still exposed. */
    static final Duration OFFLINE_AFTER = Duration.ofMinutes(15);

    /** A mitigation of the catalog. */
    public record Mitigation(String mitigationId, int revision, String title, List<String> cves, Instant publishedAt, Instant withdrawnAt,
            List<String> kevCves, String kevDueDate) {
    }

    /** One server's exposure to one mitigation's CVEs. */
    public record ServerExposure(String tenantId, String serverId, String mitigationId, Instant publishedAt, Instant mitigatedAt,
            Instant patchedAt, long exposedSeconds, boolean stillExposed, String status, String why, Instant lastSeen) {
    }

    public record ExposureReport(String cve, Instant asOf, List<Mitigation> mitigations, int affectedServers, int stillExposed,
            List<ServerExposure> servers) {
    }

    public record TimeToMitigate(String tenantId, Instant from, Instant to, int mitigated, Long p50Seconds, Long p95Seconds, Long maxSeconds) {
    }

    /** A command sent to a server that has been heard from since, with no result after {@code waitingSeconds}. */
    public record StuckCommand(String tenantId, String serverId, String mitigationId, String state, Instant commandedAt, Instant lastSeen,
            long waitingSeconds, String decisionEventId) {
    }

    /** Requests one mitigation's rules refused on one server (or would have, log-only), as its agent last counted them. */
    public record Enforcement(String tenantId, String serverId, String mitigationId, long blocked, long wouldBlock, Instant firstSeen,
            Instant lastSeen, Instant reportedAt) {
    }

    public record Overdue(String tenantId, String serverId, String mitigationId, List<String> kevCves, String dueDate, long daysOverdue,
            boolean stillExposed, Instant mitigatedAt, String status, String why) {
    }

    /** One stored event with everything an auditor samples. */
    public record EvidenceRow(long seq, String eventId, Instant occurredAt, Instant recordedAt, String type, String outcome, String actor,
            String serverId, String mitigationId, Integer revision, String reason, String sourceTopic, String prevHash, String hash, String payload) {
    }

    @Inject
    Database database;

    public ExposureReport exposure(String cve, String tenant, Instant asOf) throws SQLException {
        List<Mitigation> mitigations = catalog().stream().filter(m -> m.cves().contains(cve)).toList();
        List<ServerExposure> servers = new ArrayList<>();
        for (Mitigation m : mitigations) {
            servers.addAll(exposures(m, tenant, asOf));
        }
        return new ExposureReport(cve, asOf, mitigations, servers.size(), (int) servers.stream().filter(ServerExposure::stillExposed).count(), servers);
    }

    public Map<String, TimeToMitigate> timeToMitigate(String tenant, Instant from, Instant to) throws SQLException {
        Map<String, Instant> published = new TreeMap<>();
        catalog().forEach(m -> published.put(m.mitigationId(), m.publishedAt()));
        Map<String, List<Long>> seconds = new TreeMap<>();
        String sql = "SELECT tenant_id, server_id, mitigation_id, MIN(occurred_at) FROM audit_event WHERE event_type = 'agent.applied'"
                + (tenant == null ? "" : " AND tenant_id = ?") + " GROUP BY tenant_id, server_id, mitigation_id";
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (tenant != null) {
                ps.setString(1, tenant);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant applied = rs.getTimestamp(4).toInstant();
                    Instant publishedAt = published.get(rs.getString(3));
                    if (publishedAt == null || applied.isBefore(from) || !applied.isBefore(to)) {
                        continue;
                    }
                    seconds.computeIfAbsent(rs.getString(1), t -> new ArrayList<>()).add(Math.max(0, Duration.between(publishedAt, applied).toSeconds()));
                }
            }
            c.rollback();
        }
        Map<String, TimeToMitigate> result = new LinkedHashMap<>();
        if (tenant != null) {
            seconds.putIfAbsent(tenant, new ArrayList<>());
        }
        seconds.forEach((t, list) -> {
            list.sort(null);
            result.put(t, new TimeToMitigate(t, from, to, list.size(), Percentiles.of(list, 50), Percentiles.of(list, 95),
                    list.isEmpty() ? null : list.get(list.size() - 1)));
        });
        return result;
    }

    /** Servers exposed to a CVE of CISA's KEV list past its due date, and servers mitigated only after it. */
    public List<Overdue> kevOverdue(String tenant, Instant asOf) throws SQLException {
        List<Overdue> overdue = new ArrayList<>();
        for (Mitigation m : catalog()) {
            if (m.kevDueDate() == null) {
                continue;
            }
            Instant due = LocalDate.parse(m.kevDueDate()).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(); // due at the end of the day
            for (ServerExposure e : exposures(m, tenant, asOf)) {
                Instant end = e.stillExposed() ? asOf : e.mitigatedAt() != null ? e.mitigatedAt() : e.patchedAt();
                if (end != null && end.isAfter(due)) {
                    overdue.add(new Overdue(e.tenantId(), e.serverId(), m.mitigationId(), m.kevCves(), m.kevDueDate(),
                            Duration.between(due, end).toDays(), e.stillExposed(), e.mitigatedAt(), e.status(), e.why()));
                }
            }
        }
        return overdue;
    }

    /**
     * Commands still waiting for their server's result {@code olderThan} after they were sent, on servers that reported
     * since the command and within that same span: alive, yet not executing. Offline servers are not listed (their
     * commands wait for them, as they should).
     */
    public List<StuckCommand> stuckCommands(String tenant, Duration olderThan, Instant asOf) throws SQLException {
        Instant before = asOf.minus(olderThan);
        List<StuckCommand> stuck = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement("""
                SELECT s.tenant_id, s.server_id, s.mitigation_id, s.state, s.updated_at, v.last_seen, s.last_event_id
                FROM mitigation_state s JOIN server v ON v.tenant_id = s.tenant_id AND v.server_id = s.server_id
                WHERE s.state IN ('COMMANDED', 'REMOVAL_COMMANDED') AND s.updated_at < ? AND v.last_seen > s.updated_at AND v.last_seen >= ?
                """ + (tenant == null ? "" : " AND s.tenant_id = ?") + " ORDER BY s.updated_at, s.tenant_id, s.server_id")) {
            ps.setTimestamp(1, Timestamp.from(before));
            ps.setTimestamp(2, Timestamp.from(before));
            if (tenant != null) {
                ps.setString(3, tenant);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant commanded = rs.getTimestamp(5).toInstant();
                    stuck.add(new StuckCommand(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), commanded,
                            rs.getTimestamp(6).toInstant(), Duration.between(commanded, asOf).toSeconds(), rs.getString(7)));
                }
            }
        }
        return stuck;
    }

    /** What each mitigation's rules refused on each server of the tenant (all tenants: null), most refusals first. */
    public List<Enforcement> enforcement(String tenant) throws SQLException {
        List<Enforcement> rows = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT tenant_id, server_id, mitigation_id, blocked, would_block, first_seen, last_seen, reported_at FROM enforcement"
                        + (tenant == null ? "" : " WHERE tenant_id = ?") + " ORDER BY blocked DESC, would_block DESC, tenant_id, server_id, mitigation_id")) {
            if (tenant != null) {
                ps.setString(1, tenant);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Enforcement(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                            rs.getTimestamp(6).toInstant(), rs.getTimestamp(7).toInstant(), rs.getTimestamp(8).toInstant()));
                }
            }
            c.rollback();
        }
        return rows;
    }

    /** Requests refused (and would-be refused, log-only) per mitigation, summed over every server. */
    public record EnforcementTotal(String mitigationId, long blocked, long wouldBlock) {
    }

    public List<EnforcementTotal> enforcementTotals() throws SQLException {
        List<EnforcementTotal> totals = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT mitigation_id, SUM(blocked), SUM(would_block) FROM enforcement GROUP BY mitigation_id ORDER BY mitigation_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                totals.add(new EnforcementTotal(rs.getString(1), rs.getLong(2), rs.getLong(3)));
            }
            c.rollback();
        }
        return totals;
    }

    public List<EvidenceRow> evidence(String tenant, Instant from, Instant to) throws SQLException {
        List<EvidenceRow> rows = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement("""
                SELECT seq, event_id, occurred_at, recorded_at, event_type, outcome, actor, server_id, mitigation_id, revision, reason,
                       source_topic, prev_hash, hash, payload
                FROM audit_event WHERE tenant_id = ? AND occurred_at >= ? AND occurred_at < ? ORDER BY seq""")) {
            ps.setString(1, tenant);
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new EvidenceRow(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getTimestamp(4).toInstant(),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), (Integer) rs.getObject(10),
                            rs.getString(11), rs.getString(12), rs.getString(13), rs.getString(14), rs.getString(15)));
                }
            }
            c.rollback();
        }
        return rows;
    }

    public List<Mitigation> catalog() throws SQLException {
        List<Mitigation> list = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT mitigation_id, revision, title, cves, first_published_at, withdrawn_at, kev_cves, kev_due_date FROM mitigation ORDER BY mitigation_id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Timestamp withdrawn = rs.getTimestamp(6);
                list.add(new Mitigation(rs.getString(1), rs.getInt(2), rs.getString(3), split(rs.getString(4)), rs.getTimestamp(5).toInstant(),
                        withdrawn == null ? null : withdrawn.toInstant(), split(rs.getString(7)), rs.getString(8)));
            }
            c.rollback();
        }
        return list;
    }

    /** Every server the policy decided on for this mitigation (so: found affected), with its exposure replayed. */
    private List<ServerExposure> exposures(Mitigation m, String tenant, Instant asOf) throws SQLException {
        Map<String, List<ExposureTimeline.Step>> steps = new TreeMap<>();
        Map<String, Instant> lastSeen = new TreeMap<>();
        try (Connection c = database.connection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT tenant_id, server_id, occurred_at, event_type, outcome, reason FROM audit_event "
                    + "WHERE mitigation_id = ? AND server_id IS NOT NULL AND (event_type LIKE 'decision.%' OR event_type LIKE 'agent.%')"
                    + (tenant == null ? "" : " AND tenant_id = ?") + " ORDER BY seq")) {
                ps.setString(1, m.mitigationId());
                if (tenant != null) {
                    ps.setString(2, tenant);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        steps.computeIfAbsent(rs.getString(1) + "/" + rs.getString(2), k -> new ArrayList<>())
                                .add(new ExposureTimeline.Step(rs.getTimestamp(3).toInstant(), rs.getString(4), rs.getString(5), rs.getString(6)));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT tenant_id, server_id, last_seen FROM server");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lastSeen.put(rs.getString(1) + "/" + rs.getString(2), rs.getTimestamp(3).toInstant());
                }
            }
            c.rollback();
        }
        List<ServerExposure> result = new ArrayList<>();
        steps.forEach((key, list) -> {
            if (list.stream().noneMatch(s -> AuditType.fromWire(s.type()).map(AuditType::isDecision).orElse(false))) {
                return;
            }
            var r = ExposureTimeline.replay(m.publishedAt(), list, asOf);
            Instant seen = lastSeen.get(key);
            String why = r.why();
            if (r.stillExposed() && seen != null && seen.isBefore(asOf.minus(OFFLINE_AFTER))) {
                why = "server offline since " + seen + (why.isEmpty() ? "" : "; " + why);
            }
            String[] ts = key.split("/", 2);
            result.add(new ServerExposure(ts[0], ts[1], m.mitigationId(), m.publishedAt(), r.mitigatedAt(), r.patchedAt(),
                    r.exposed().toSeconds(), r.stillExposed(), r.stillExposed() && why.startsWith("server offline") ? "offline" : r.status(), why, seen));
        });
        return result;
    }

    private static List<String> split(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }
}
