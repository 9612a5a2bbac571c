package io.tourniquet.policy.rest;

import io.tourniquet.access.Caller;
import io.tourniquet.schemas.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.tourniquet.policy.rest.AdminResource.Problem;
import io.tourniquet.policy.service.AgentEnrolments;
import io.tourniquet.schemas.AgentEnrolment;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Agent enrolment: registers the public key a server's agent signs its events with (tourniquet agent enroll). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class EnrolmentResource {

    private static final String ENROLMENT = "/tenants/{tenant}/servers/{server}/enrolment";

    /** The request: the agent's public key (Ed25519, X.509 PEM) and whether it replaces an enrolled key. */
    public record EnrolmentRequest(String publicKey, Boolean replace) {
    }

    /** An enrolment as the API shows it. */
    public record EnrolmentView(String tenantId, String serverId, String keyId, String publicKey, String enrolledBy, String enrolledAt) {
        static EnrolmentView of(AgentEnrolment e) {
            return new EnrolmentView(e.getTenantId(), e.getServerId(), e.getKeyId(), e.getPublicKey(), e.getEnrolledBy(), e.getEnrolledAt().toString());
        }
    }

    @Inject
    AgentEnrolments enrolments;

    @Inject
    Caller caller;

    @GET
    @Path(ENROLMENT)
    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
    @Operation(summary = "The key a server's agent is enrolled with (404: not enrolled, its events are refused)")
    public Response get(@PathParam("tenant") String tenant, @PathParam("server") String server) {
        return run(() -> enrolments.get(tenant, server).map(e -> Response.ok(EnrolmentView.of(e)).build())
                .orElse(Response.status(404).entity(new Problem("server " + server + " of " + tenant + " is not enrolled")).build()));
    }

    @PUT
    @Path(ENROLMENT)
    @RolesAllowed(Roles.MSP_ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Enrol a server's agent: register its public key (recorded in the audit trail); another key than the enrolled one needs replace=true")
    public Response enrol(@PathParam("tenant") String tenant, @PathParam("server") String server, EnrolmentRequest request) {
        if (request == null) {
            return Response.status(400).entity(new Problem("a body {\"publicKey\": PEM} is required")).build();
        }
        return run(() -> Response.ok(EnrolmentView.of(enrolments.enrol(tenant, server, request.publicKey(),
                Boolean.TRUE.equals(request.replace()), caller.actor()))).build());
    }

    private static Response run(Supplier<Response> action) {
        try {
            return action.get();
        } catch (AgentEnrolments.ConflictException e) {
            return Response.status(409).entity(new Problem(e.getMessage())).build();
        } catch (IllegalArgumentException e) {
            return Response.status(400).entity(new Problem(e.getMessage())).build();
        } catch (IllegalStateException e) {
            return Response.status(503).header("Retry-After", "5").entity(new Problem(e.getMessage())).build();
        }
    }
}
