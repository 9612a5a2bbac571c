package io.tourniquet.ingestor.rest;

import io.tourniquet.ingestor.service.PublishedMitigations;
import io.tourniquet.schemas.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/api/v1/mitigations")
@Produces(MediaType.APPLICATION_JSON)
public class MitigationResource {

    @Inject
    PublishedMitigations published;

    @GET
    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
    @Operation(summary = "The latest published event of every mitigation this ingestor knows")
    public List<PublishedMitigations.Entry> list() {
        return published.all();
    }
}
