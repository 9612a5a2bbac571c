package io.tourniquet.console.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The overview's arithmetic and order, from the audit service's answers as they arrive. */
class FleetOverviewTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void countsEachTenantsServersByWhatAnOperatorMustDoAndPutsOverdueKevFirst() throws Exception {
        JsonNode states = JSON.readTree("""
                [{"tenantId":"acme","serverId":"exch01","mitigationId":"M1.1","state":"APPLIED"},
                 {"tenantId":"acme","serverId":"exch02","mitigationId":"M1.1","state":"FAILED"},
                 {"tenantId":"acme","serverId":"exch03","mitigationId":"M1.1","state":"AWAITING_APPROVAL"},
                 {"tenantId":"acme","serverId":"exch04","mitigationId":"M1.1","state":"REMOVED"},
                 {"tenantId":"globex","serverId":"exch01","mitigationId":"M1.1","state":"COMMANDED"},
                 {"tenantId":"globex","serverId":"exch01","mitigationId":"M2.1","state":"BLOCKED"}]""");
        JsonNode catalog = JSON.readTree("""
                [{"mitigationId":"M1.1","title":"ProxyNotShell","cves":["CVE-2022-41040"],"kevCves":["CVE-2022-41040"],"kevDueDate":"2022-10-21","withdrawnAt":null},
                 {"mitigationId":"M2.1","title":"OWA","cves":["CVE-2026-42897"],"kevCves":["CVE-2026-42897"],"kevDueDate":"2026-12-10","withdrawnAt":null},
                 {"mitigationId":"A0","title":"not on KEV","cves":[],"kevCves":[],"kevDueDate":null,"withdrawnAt":null},
                 {"mitigationId":"OLD","title":"withdrawn, never decided","cves":[],"kevCves":[],"kevDueDate":null,"withdrawnAt":"2026-01-01T00:00:00Z"}]""");
        JsonNode overdue = JSON.readTree("""
                [{"tenantId":"globex","serverId":"exch01","mitigationId":"M2.1","stillExposed":true},
                 {"tenantId":"acme","serverId":"exch01","mitigationId":"M1.1","stillExposed":false}]""");
        JsonNode ttm = JSON.readTree("""
                {"acme":{"mitigated":1,"p50Seconds":4,"p95Seconds":9}}""");
        JsonNode enforcement = JSON.readTree("""
                [{"tenantId":"acme","serverId":"exch01","mitigationId":"M1.1","blocked":37}]""");

        FleetOverview fleet = FleetOverview.of(states, catalog, overdue, ttm, enforcement);

        assertThat(fleet.mitigations()).extracting(FleetOverview.MitigationRow::id).containsExactly("M2.1", "M1.1", "A0");
        FleetOverview.MitigationRow m11 = fleet.mitigations().get(1);
        assertThat(m11.byTenant().get("acme")).isEqualTo(new StateCounts(1, 1, 0, 1, 0, 1, 4));
        assertThat(m11.byTenant().get("acme").exposed()).as("failed and awaiting approval are exposed, removed is not").isEqualTo(2);
        assertThat(m11.total().pending()).isEqualTo(1);
        assertThat(m11.requestsBlocked()).isEqualTo(37);
        assertThat(m11.overdue()).as("mitigated after the due date, no longer exposed").isFalse();
        assertThat(fleet.mitigations().get(0).overdueServers()).isEqualTo(1);

        assertThat(fleet.tenants()).extracting(FleetOverview.TenantRow::tenant).containsExactly("acme", "globex");
        assertThat(fleet.tenants().get(0).timeToMitigate()).isEqualTo("p50 4 s, p95 9 s (1 mitigated)");
        assertThat(fleet.tenants().get(1).timeToMitigate()).isEqualTo("none mitigated in 30 days");
        assertThat(fleet.tenants().get(1).counts().blocked()).isEqualTo(1);
        assertThat(fleet.tenants().get(1).overdueServers()).isEqualTo(1);
    }
}
