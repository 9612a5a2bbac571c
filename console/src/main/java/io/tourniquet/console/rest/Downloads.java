package io.tourniquet.console.rest;

import io.tourniquet.console.client.AuditApi;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.schemas.topics.Topics;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** A tenant's evidence export (JSON or CSV) and chain verification, as files the browser saves. */
@Path("/tenants/{tenant}/downloads")
@RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR})
public class Downloads {

    @Inject
    @RestClient
    AuditApi audit;

    @GET
    @Path("/evidence.{format: json|csv}")
    public Response evidence(@PathParam("tenant") String tenant, @PathParam("format") String format) {
        Topics.requireValidTenant(tenant);
        Response export = audit.evidence(tenant, format);
        byte[] body = export.readEntity(byte[].class);
        return file(body, format.equals("csv") ? "text/csv" : "application/json", tenant + "-evidence-" + LocalDate.now() + "." + format);
    }

    @GET
    @Path("/chain.json")
    public Response chain(@PathParam("tenant") String tenant) {
        Topics.requireValidTenant(tenant);
        return file(audit.chain(tenant).toPrettyString().getBytes(StandardCharsets.UTF_8), "application/json",
                tenant + "-chain-verification-" + LocalDate.now() + ".json");
    }

    private static Response file(byte[] body, String type, String name) {
        return Response.ok(body, type).header("Content-Disposition", "attachment; filename=\"" + name + "\"").build();
    }
}
