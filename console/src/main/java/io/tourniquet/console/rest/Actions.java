package io.tourniquet.console.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.tourniquet.console.client.PolicyApi;
import io.tourniquet.console.domain.Viewer;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.schemas.topics.Topics;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The console's actions. Each is allowed here by the same rules as the API's (roles below, the tenant scope by
 * api-access's TenantGuard: a button a role may not use is never shown, and a forged form is refused before the API
 * is asked), is carried out by the policy service's API
 * with the person's own token (which refuses it anyway if not allowed, and names them as the actor), and answers with
 * the audit record it produced.
 */
@Path("/actions")
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR})
public class Actions {

    @Inject
    @RestClient
    PolicyApi policy;

    @Inject
    AuditRecords auditRecords;

    @Inject
    Viewer viewer;

    @Inject
    Template actionResult;

    @POST
    @Path("/tenants/{tenant}/mitigations/{mitigation}/{verdict: approve|reject}")
    public Response decide(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation,
            @PathParam("verdict") String verdict, @FormParam("reason") String reason, @FormParam("validFor") String validFor) {
        Topics.requireValidTenant(tenant);
        Map<String, Object> decision = new LinkedHashMap<>();
        decision.put("reason", reason);
        if (validFor != null && !validFor.isBlank()) {
            decision.put("validFor", validFor);
        }
        AuditType type = verdict.equals("approve") ? AuditType.APPROVAL_GRANTED : AuditType.APPROVAL_REJECTED;
        return carryOut(verdict + " " + mitigation + " for " + tenant, tenant, mitigation, type, "/tenants/" + tenant,
                () -> policy.decide(tenant, mitigation, verdict, decision));
    }

    @POST
    @Path("/tenants/{tenant}/mitigations/{mitigation}/{change: block|unblock}")
    public Response block(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation, @PathParam("change") String change) {
        Topics.requireValidTenant(tenant);
        return carryOut(change + " " + mitigation + " for " + tenant, tenant, null, AuditType.POLICY_UPDATED, "/tenants/" + tenant,
                () -> change.equals("block") ? policy.block(tenant, mitigation) : policy.unblock(tenant, mitigation));
    }

    @POST
    @Path("/tenants/{tenant}/mitigations/{mitigation}/rollout/{action: start|pause|resume}")
    public Response rollout(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation, @PathParam("action") String action) {
        Topics.requireValidTenant(tenant);
        AuditType type = switch (action) {
            case "start" -> AuditType.ROLLOUT_START;
            case "pause" -> AuditType.ROLLOUT_PAUSE;
            default -> AuditType.ROLLOUT_RESUME;
        };
        return carryOut(action + " the rollout of " + mitigation + " for " + tenant, tenant, mitigation, type, "/tenants/" + tenant,
                () -> policy.rollout(tenant, mitigation, action));
    }

    @POST
    @Path("/tenants/{tenant}/servers/{server}/mitigations/{mitigation}/{action: remove|reapply}")
    public Response serverAction(@PathParam("tenant") String tenant, @PathParam("server") String server, @PathParam("mitigation") String mitigation,
            @PathParam("action") String action, @FormParam("reason") String reason) {
        Topics.requireValidTenant(tenant);
        AuditType type = action.equals("remove") ? AuditType.SERVER_REMOVE : AuditType.SERVER_REAPPLY;
        return carryOut(action + " " + mitigation + " on " + server + " of " + tenant, tenant, mitigation, type,
                "/tenants/" + tenant + "/servers/" + server, () -> policy.serverAction(tenant, server, mitigation, action, Map.of("reason", orEmpty(reason))));
    }

    /**
     * The global kill switch stops a mitigation for every tenant of the MSP: only an administrator, and only with the
     * mitigation's id typed again as confirmation (checked here, not only in the page).
     */
    @POST
    @Path("/kill-switch/{change: engage|release}")
    @RolesAllowed(Roles.MSP_ADMIN)
    public Response killSwitch(@FormParam("mitigation") String mitigation, @PathParam("change") String change,
            @FormParam("confirmation") String confirmation, @FormParam("reason") String reason, @FormParam("removeApplied") String removeApplied) {
        if (mitigation == null || mitigation.isBlank()) {
            throw new BadRequestException("choose the mitigation to stop");
        }
        if (!mitigation.equals(confirmation == null ? "" : confirmation.strip())) {
            throw new BadRequestException("type the mitigation's id (" + mitigation + ") to confirm the kill switch; nothing was changed");
        }
        boolean engage = change.equals("engage");
        Map<String, Object> decision = new LinkedHashMap<>();
        decision.put("reason", orEmpty(reason));
        decision.put("removeApplied", "on".equals(removeApplied) || "true".equals(removeApplied));
        return carryOut((engage ? "engage" : "release") + " the kill switch of " + mitigation + " for every tenant", null, mitigation,
                engage ? AuditType.KILL_SWITCH_ENGAGED : AuditType.KILL_SWITCH_RELEASED, "/",
                () -> engage ? policy.engageKillSwitch(mitigation, decision) : policy.releaseKillSwitch(mitigation, orEmpty(reason)));
    }

    /** Asks the API, then shows its answer and the audit record it produced (or the API's refusal, unchanged). */
    private Response carryOut(String what, String tenant, String mitigation, AuditType type, String back, Supplier<JsonNode> call) {
        AuditRecords.Before before = auditRecords.before(tenant, mitigation, type);
        TemplateInstance page = actionResult.data("viewer", viewer).data("what", what).data("back", back);
        try {
            JsonNode answer = call.get();
            return Response.ok(page.data("ok", true).data("answer", answer.toPrettyString())
                    .data("record", auditRecords.awaitRecord(before, viewer.actor()).orElse(null))).build();
        } catch (WebApplicationException e) {
            int status = e.getResponse().getStatus();
            String body = e.getResponse().hasEntity() ? e.getResponse().readEntity(String.class) : e.getMessage();
            return Response.status(status).entity(page.data("ok", false).data("answer", "HTTP " + status + ": " + body).data("record", null)).build();
        }
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
