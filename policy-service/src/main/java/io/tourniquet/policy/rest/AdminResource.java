package io.tourniquet.policy.rest;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import io.tourniquet.access.Caller;
import io.tourniquet.policy.service.PolicyAdmin;
import io.tourniquet.schemas.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.tourniquet.policy.service.PolicyDocument;
import io.tourniquet.schemas.OverrideAction;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The MSP admin's API, covering and extending the Exchange cmdlets (Set-OrganizationConfig / Set-ExchangeServer
 * -MitigationsEnabled and -MitigationsBlocked, Get-Mitigations.ps1). Every change names who made it (the caller's token); every refusal
 * says why (400), and a change answers only once it is durable in Kafka.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

    /** Why, for approvals, server actions and the kill switch (who decides is the caller's token). */
    public record Decision(String reason, String validFor, Integer revision, Boolean removeApplied) {
    }

    /** A refused request and why. */
    public record Problem(String error) {
    }

    @Inject
    PolicyAdmin admin;

    @Inject
    Caller caller;

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
    @GET
    @Path("/tenants/{tenant}/policy")
    @Operation(summary = "A tenant's policy (the defaults when none was set: apply every mitigation at once)")
    public Response policy(@PathParam("tenant") String tenant) {
        return run(() -> admin.policy(tenant).map(PolicyDocument::of).orElse(PolicyDocument.DEFAULTS));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR})
    @PUT
    @Path("/tenants/{tenant}/policy")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set a tenant's whole policy (onboards a new tenant: creates its topics); 'updatedBy' is set from your token")
    public Response setPolicy(@PathParam("tenant") String tenant, PolicyDocument policy) {
        if (policy == null) {
            return Response.status(400).entity(new Problem("a policy document is required")).build();
        }
        if (policy.updatedBy() != null && !policy.updatedBy().equals(caller.actor())) {
            return Response.status(400).entity(new Problem("updatedBy comes from your token (you are '" + caller.actor() + "'): leave it out")).build();
        }
        return run(() -> PolicyDocument.of(admin.setPolicy(policy.toPolicy(tenant, caller.actor(), Instant.now()))));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR})
    @PUT
    @Path("/tenants/{tenant}/blocked/{mitigation}")
    @Operation(summary = "Block a mitigation for the tenant: not applied, removed where in force (like -MitigationsBlocked)")
    public Response block(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation) {
        return run(() -> PolicyDocument.of(admin.block(tenant, mitigation, true, caller.actor())));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR})
    @DELETE
    @Path("/tenants/{tenant}/blocked/{mitigation}")
    @Operation(summary = "Unblock a mitigation for the tenant: it is applied again where it applies")
    public Response unblock(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation) {
        return run(() -> PolicyDocument.of(admin.block(tenant, mitigation, false, caller.actor())));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR})
    @POST
    @Path("/tenants/{tenant}/mitigations/{mitigation}/approve")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Approve a mitigation for a tenant whose policy requires approval; validFor is an ISO-8601 duration (default 7 days)")
    public Response approve(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation, Decision decision) {
        return run(() -> fields(admin.approve(tenant, mitigation, true, caller.actor(), reason(decision), duration(decision), revision(decision))));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR})
    @POST
    @Path("/tenants/{tenant}/mitigations/{mitigation}/reject")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Reject a mitigation for a tenant: it is not applied until approved")
    public Response reject(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation, Decision decision) {
        return run(() -> fields(admin.approve(tenant, mitigation, false, caller.actor(), reason(decision), duration(decision), revision(decision))));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR})
    @POST
    @Path("/tenants/{tenant}/servers/{server}/mitigations/{mitigation}/{action: reapply|remove}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Remove a mitigation from one server (it stays removed until re-applied), or re-apply it with a fresh command")
    public Response serverAction(@PathParam("tenant") String tenant, @PathParam("server") String server, @PathParam("mitigation") String mitigation,
            @PathParam("action") String action, Decision decision) {
        return run(() -> fields(admin.serverAction(tenant, server, mitigation, action.equals("remove") ? OverrideAction.REMOVE : OverrideAction.REAPPLY, caller.actor(), reason(decision))));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR})
    @POST
    @Path("/tenants/{tenant}/mitigations/{mitigation}/rollout/{action}")
    @Operation(summary = "Start, pause or resume a tenant's staged rollout of a mitigation (resume also lifts an automatic halt)")
    public Response rollout(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation, @PathParam("action") String action) {
        return run(() -> fields(admin.rollout(tenant, mitigation, action, caller.actor())));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
    @GET
    @Path("/tenants/{tenant}/rollouts")
    @Operation(summary = "A tenant's rollouts: stage reached, running, waiting, paused or halted (with why)")
    public Response rollouts(@PathParam("tenant") String tenant) {
        return run(() -> admin.rollouts(tenant));
    }

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
    @GET
    @Path("/tenants/{tenant}/mitigations")
    @Operation(summary = "Every server and mitigation of a tenant: what was commanded, the last decision and why, the agent's last result")
    public Response status(@PathParam("tenant") String tenant) {
        return run(() -> admin.status(tenant));
    }

    @RolesAllowed(Roles.MSP_ADMIN)
    @PUT
    @Path("/mitigations/{mitigation}/kill-switch")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Stop a mitigation for every tenant; removeApplied also removes it where it is in force")
    public Response engage(@PathParam("mitigation") String mitigation, Decision decision) {
        return run(() -> fields(admin.killSwitch(mitigation, true, decision != null && Boolean.TRUE.equals(decision.removeApplied()), caller.actor(), reason(decision))));
    }

    @RolesAllowed(Roles.MSP_ADMIN)
    @DELETE
    @Path("/mitigations/{mitigation}/kill-switch")
    @Operation(summary = "Release the kill switch of a mitigation: tenants' policies decide again")
    public Response release(@PathParam("mitigation") String mitigation, @QueryParam("reason") String reason) {
        return run(() -> fields(admin.killSwitch(mitigation, false, false, caller.actor(), reason)));
    }

    /** The decision as written to Kafka, as plain JSON fields. */
    private static Map<String, Object> fields(SpecificRecord record) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("type", record.getSchema().getName());
        for (var field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            fields.put(field.name(), value instanceof CharSequence || value instanceof Instant ? value.toString() : value);
        }
        return fields;
    }

    private static Integer revision(Decision decision) {
        return decision == null ? null : decision.revision();
    }

    private static String reason(Decision decision) {
        return decision == null ? null : decision.reason();
    }

    private static Duration duration(Decision decision) {
        if (decision == null || decision.validFor() == null) {
            return null;
        }
        try {
            return Duration.parse(decision.validFor());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("validFor must be an ISO-8601 duration such as P7D or PT12H; was '" + decision.validFor() + "'");
        }
    }

    /** The action's result (200), or why it was refused (400) or cannot be done now (503). */
    static Response run(Supplier<Object> action) {
        try {
            return Response.ok(action.get()).build();
        } catch (IllegalArgumentException e) {
            return Response.status(400).entity(new Problem(e.getMessage())).build();
        } catch (IllegalStateException e) {
            return Response.status(503).header("Retry-After", "5").entity(new Problem(e.getMessage())).build();
        }
    }
}
