package io.tourniquet.policy.rest;

import io.tourniquet.access.Caller;
import io.tourniquet.schemas.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.tourniquet.policy.rest.AdminResource.Problem;
import io.tourniquet.policy.service.TenantLifecycle;
import io.tourniquet.policy.service.TenantLifecycle.KafkaAccess;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Tenant onboarding and offboarding (./tourniquet tenant onboard|offboard, which also grants or revokes the tenant's Kafka access). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TenantResource {

    /** Why (offboarding) and what the Kafka administrator did; who acts is the caller's token. */
    public record TenantChange(String reason, KafkaAccess kafkaAccess) {
    }

    @Inject
    TenantLifecycle tenants;

    @Inject
    Caller caller;

    @POST
    @RolesAllowed(Roles.MSP_ADMIN)
    @Path("/tenants/{tenant}/onboarding")
    @Operation(summary = "Onboard a tenant: create its topics and, in Kubernetes, its Strimzi KafkaUsers; record it (elsewhere its Kafka principals are granted by the Kafka administrator)")
    public Response onboard(@PathParam("tenant") String tenant, TenantChange change) {
        return AdminResource.run(() -> tenants.onboard(tenant, caller.actor(), change == null ? null : change.kafkaAccess()));
    }

    @POST
    @RolesAllowed(Roles.MSP_ADMIN)
    @Path("/tenants/{tenant}/offboarding")
    @Operation(summary = "Offboard a tenant: in Kubernetes delete its KafkaUsers; unenrol its agents, switch its mitigations off, record it (elsewhere its Kafka access is revoked by the Kafka administrator)")
    public Response offboard(@PathParam("tenant") String tenant, TenantChange change) {
        if (change == null) {
            return Response.status(400).entity(new Problem("a body {\"reason\": why} is required")).build();
        }
        return AdminResource.run(() -> tenants.offboard(tenant, caller.actor(), change.reason(), change.kafkaAccess()));
    }
}
