package io.tourniquet.console.domain;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The fleet overview: per tenant and per mitigation, what is applied, failed, pending, awaiting approval, blocked
 * and exposed, with the catalog's CVEs and CISA KEV due dates (overdue ones first), time to mitigate and the requests
 * the rules refused. Built from the audit service's answers for the tenants the person may see.
 */
public final class FleetOverview {

    /** One tenant's line: its totals, its time to mitigate and what its servers' rules refused. */
    public record TenantRow(String tenant, StateCounts counts, String timeToMitigate, long overdueServers, long requestsBlocked) {
    }

    /** One mitigation of the catalog with each tenant's counts. */
    public record MitigationRow(String id, String title, List<String> cves, List<String> kevCves, String kevDueDate, long overdueServers,
            long requestsBlocked, Map<String, StateCounts> byTenant, boolean withdrawn) {

        public boolean kev() {
            return !kevCves.isEmpty();
        }

        public boolean overdue() {
            return overdueServers > 0;
        }

        public StateCounts total() {
            return byTenant.values().stream().reduce(StateCounts.NONE, StateCounts::plus);
        }
    }

    private final List<TenantRow> tenants;
    private final List<MitigationRow> mitigations;

    private FleetOverview(List<TenantRow> tenants, List<MitigationRow> mitigations) {
        this.tenants = tenants;
        this.mitigations = mitigations;
    }

    public List<TenantRow> tenants() {
        return tenants;
    }

    public List<MitigationRow> mitigations() {
        return mitigations;
    }

    /**
     * @param states the audit service's state rows (tenantId, serverId, mitigationId, state)
     * @param catalog its catalog (mitigationId, title, cves, kevCves, kevDueDate, withdrawnAt)
     * @param overdue its KEV-overdue rows (tenantId, mitigationId, stillExposed)
     * @param timeToMitigate per tenant: mitigated, p50Seconds, p95Seconds (empty when not readable)
     * @param enforcement per server and mitigation: blocked
     */
    public static FleetOverview of(JsonNode states, JsonNode catalog, JsonNode overdue, JsonNode timeToMitigate, JsonNode enforcement) {
        Map<String, Map<String, StateCounts>> byMitigation = new TreeMap<>();
        Map<String, StateCounts> byTenant = new TreeMap<>();
        for (JsonNode row : states) {
            String tenant = row.path("tenantId").asText();
            String mitigation = row.path("mitigationId").asText();
            String state = row.path("state").asText();
            byMitigation.computeIfAbsent(mitigation, m -> new TreeMap<>()).merge(tenant, StateCounts.NONE.plus(state, 1), StateCounts::plus);
            byTenant.merge(tenant, StateCounts.NONE.plus(state, 1), StateCounts::plus);
        }
        Map<String, Long> overdueByMitigation = new HashMap<>();
        Map<String, Long> overdueByTenant = new HashMap<>();
        for (JsonNode row : overdue) {
            if (row.path("stillExposed").asBoolean()) {
                overdueByMitigation.merge(row.path("mitigationId").asText(), 1L, Long::sum);
                overdueByTenant.merge(row.path("tenantId").asText(), 1L, Long::sum);
            }
        }
        Map<String, Long> blockedByMitigation = new HashMap<>();
        Map<String, Long> blockedByTenant = new HashMap<>();
        for (JsonNode row : enforcement) {
            blockedByMitigation.merge(row.path("mitigationId").asText(), row.path("blocked").asLong(), Long::sum);
            blockedByTenant.merge(row.path("tenantId").asText(), row.path("blocked").asLong(), Long::sum);
        }
        Map<String, JsonNode> entries = new LinkedHashMap<>();
        catalog.forEach(entry -> entries.put(entry.path("mitigationId").asText(), entry));
        TreeSet<String> ids = new TreeSet<>(byMitigation.keySet());
        entries.forEach((id, entry) -> {
            if (entry.path("withdrawnAt").isNull() || entry.path("withdrawnAt").isMissingNode()) {
                ids.add(id);
            }
        });
        List<MitigationRow> mitigations = new ArrayList<>();
        for (String id : ids) {
            JsonNode entry = entries.get(id);
            mitigations.add(new MitigationRow(id, entry == null ? "" : entry.path("title").asText(""), texts(entry, "cves"), texts(entry, "kevCves"),
                    entry == null || entry.path("kevDueDate").isNull() ? null : entry.path("kevDueDate").asText(null),
                    overdueByMitigation.getOrDefault(id, 0L), blockedByMitigation.getOrDefault(id, 0L),
                    byMitigation.getOrDefault(id, Map.of()),
                    entry != null && !entry.path("withdrawnAt").isNull() && !entry.path("withdrawnAt").isMissingNode()));
        }
        // what an operator must do first: overdue, then the nearest KEV due date, then the rest by name
        mitigations.sort(Comparator.comparing((MitigationRow m) -> !m.overdue())
                .thenComparing(m -> m.kevDueDate() == null ? LocalDate.MAX : LocalDate.parse(m.kevDueDate()))
                .thenComparing(MitigationRow::id));
        List<TenantRow> tenants = new ArrayList<>();
        byTenant.forEach((tenant, counts) -> tenants.add(new TenantRow(tenant, counts, timeToMitigate(timeToMitigate.path(tenant)),
                overdueByTenant.getOrDefault(tenant, 0L), blockedByTenant.getOrDefault(tenant, 0L))));
        return new FleetOverview(tenants, mitigations);
    }

    private static String timeToMitigate(JsonNode report) {
        if (report.isMissingNode() || report.path("mitigated").asInt() == 0) {
            return "none mitigated in 30 days";
        }
        return "p50 " + report.path("p50Seconds").asLong() + " s, p95 " + report.path("p95Seconds").asLong() + " s ("
                + report.path("mitigated").asInt() + " mitigated)";
    }

    private static List<String> texts(JsonNode entry, String field) {
        List<String> values = new ArrayList<>();
        if (entry != null) {
            entry.path(field).forEach(v -> values.add(v.asText()));
        }
        return values;
    }
}
