package io.tourniquet.console.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tourniquet.console.client.AuditApi;
import io.tourniquet.console.client.PolicyApi;
import io.tourniquet.console.domain.FleetOverview;
import io.tourniquet.console.domain.Viewer;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/**
 * What the pages show, read from the APIs as the signed-in person. A part the person's role may not read (a SOC
 * analyst and the evidence reports, say) is shown as absent, not as an error page; a service that does not answer
 * is an error the page says.
 */
@RequestScoped
public class FleetReads {

    private static final Logger LOG = Logger.getLogger(FleetReads.class);

    @Inject
    @RestClient
    AuditApi audit;

    @Inject
    @RestClient
    PolicyApi policy;

    @Inject
    Viewer viewer;

    /** Every tenant the person may see. */
    public FleetOverview overview() {
        // the audit API's tenant filter: none (every tenant) or the person's only tenant
        String only = viewer.seesEveryTenant() || viewer.tenants().size() != 1 ? null : viewer.tenants().iterator().next();
        JsonNode states = perTenant(only, t -> audit.state(t, null));
        JsonNode overdue = viewer.mayExportEvidence() ? perTenant(only, audit::kevOverdue) : empty();
        JsonNode timeToMitigate = viewer.mayExportEvidence() ? timeToMitigate(only) : JsonNodeFactory.instance.objectNode();
        return FleetOverview.of(states, orEmpty(audit::catalog), overdue, timeToMitigate, perTenant(only, audit::enforcement));
    }

    /**
     * The audit API answers for one tenant, or for every tenant to a person who sees them all; a person with several
     * tenants (but not all) is asked tenant by tenant.
     */
    private JsonNode perTenant(String only, Function<String, JsonNode> read) {
        if (only != null || viewer.seesEveryTenant()) {
            return read.apply(only);
        }
        var all = JsonNodeFactory.instance.arrayNode();
        viewer.tenants().forEach(t -> all.addAll((ArrayNode) read.apply(t)));
        return all;
    }

    private JsonNode timeToMitigate(String only) {
        if (only != null || viewer.seesEveryTenant()) {
            return audit.timeToMitigate(only);
        }
        var all = JsonNodeFactory.instance.objectNode();
        viewer.tenants().forEach(t -> all.setAll((ObjectNode) audit.timeToMitigate(t)));
        return all;
    }

    public JsonNode states(String tenant, String server) {
        return audit.state(tenant, server);
    }

    /** The server as its agent last described it and when it was last heard from; null before its first report. */
    public JsonNode server(String tenant, String server) {
        JsonNode rows = audit.servers(tenant, server);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** A server's latest events, the newest first. */
    public JsonNode recentEvents(String tenant, String server, int limit) {
        return audit.events(tenant, server, null, null, null, 0, limit, "newest");
    }

    public JsonNode policy(String tenant) {
        return viewer.mayReadPolicy() ? orEmptyObject(() -> policy.policy(tenant)) : null;
    }

    public JsonNode rollouts(String tenant) {
        return viewer.mayReadPolicy() ? orEmpty(() -> policy.rollouts(tenant)) : empty();
    }

    public JsonNode chain(String tenant) {
        return viewer.mayExportEvidence() ? audit.chain(tenant) : null;
    }

    private static JsonNode orEmpty(Supplier<JsonNode> read) {
        try {
            return read.get();
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() == 403 || e.getResponse().getStatus() == 404) {
                return empty();
            }
            throw e;
        }
    }

    private static JsonNode orEmptyObject(Supplier<JsonNode> read) {
        try {
            return read.get();
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() == 404) {
                LOG.debugf("no policy: %s", e.getMessage());
                return JsonNodeFactory.instance.objectNode();
            }
            throw e;
        }
    }

    private static JsonNode empty() {
        return JsonNodeFactory.instance.arrayNode();
    }
}
