package io.tourniquet.console.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.tourniquet.console.domain.TenantView;
import io.tourniquet.console.domain.Viewer;
import io.tourniquet.schemas.SkipReason;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.schemas.topics.Topics;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The console's pages: the fleet overview, a tenant, a server; each with a fragment the page reloads on live events. */
@Path("/")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
public class Pages {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Template overview;

    @Inject
    Template overviewBody;

    @Inject
    Template tenant;

    @Inject
    Template tenantBody;

    @Inject
    Template server;

    @Inject
    Template signedOut;

    @Inject
    FleetReads reads;

    @Inject
    Viewer viewer;

    @GET
    public TemplateInstance overview() {
        return overview.data("viewer", viewer).data("fleet", reads.overview());
    }

    @GET
    @Path("/signed-out")
    @PermitAll
    public TemplateInstance signedOut() {
        return signedOut.instance();
    }

    @GET
    @Path("/fragments/overview")
    public TemplateInstance overviewFragment() {
        return overviewBody.data("viewer", viewer).data("fleet", reads.overview());
    }

    @GET
    @Path("/tenants/{tenant}")
    public TemplateInstance tenant(@PathParam("tenant") String name) {
        return tenantData(tenant, name);
    }

    @GET
    @Path("/fragments/tenants/{tenant}")
    public TemplateInstance tenantFragment(@PathParam("tenant") String name) {
        return tenantData(tenantBody, name);
    }

    private TemplateInstance tenantData(Template template, String name) {
        Topics.requireValidTenant(name);
        JsonNode policy = reads.policy(name);
        return template.data("viewer", viewer).data("tenant", name).data("view", TenantView.of(reads.states(name, null)))
                .data("policy", policy == null ? null : policy.toPrettyString())
                .data("blocked", policy == null ? List.of() : texts(policy.path("blockedMitigations")))
                .data("rollouts", rows(reads.rollouts(name)))
                .data("chain", object(reads.chain(name)));
    }

    @GET
    @Path("/tenants/{tenant}/servers/{server}")
    public TemplateInstance server(@PathParam("tenant") String tenantName, @PathParam("server") String serverName) {
        Topics.requireValidTenant(tenantName);
        List<Map<String, Object>> history = rows(reads.recentEvents(tenantName, serverName, 100));
        JsonNode described = reads.server(tenantName, serverName);
        return server.data("viewer", viewer).data("tenant", tenantName).data("server", serverName)
                .data("view", TenantView.of(reads.states(tenantName, serverName)))
                .data("described", object(described))
                .data("history", history)
                .data("localBlocks", history.stream().filter(e -> AuditType.AGENT_SKIPPED.wireName().equals(e.get("type"))
                        && SkipReason.BLOCKED_LOCALLY.name().toLowerCase().equals(e.get("outcome"))).toList())
                .data("drift", history.stream().filter(e -> AuditType.AGENT_DRIFT.wireName().equals(e.get("type"))).toList());
    }

    /** JSON rows as maps, which templates read by field name. */
    private static List<Map<String, Object>> rows(JsonNode array) {
        return JSON.convertValue(array, new TypeReference<>() { });
    }

    /** A JSON object as a map (null stays null). */
    private static Map<String, Object> object(JsonNode node) {
        return node == null ? null : JSON.convertValue(node, new TypeReference<>() { });
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
