package io.tourniquet.console.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.oidc.token.propagation.common.AccessToken;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The audit service's API as the signed-in person may call it (their access token goes with every call). */
@RegisterRestClient(configKey = "audit-api")
@AccessToken
@Path("/api/v1")
public interface AuditApi {

    @GET
    @Path("/summary")
    JsonNode summary();

    @GET
    @Path("/state")
    JsonNode state(@QueryParam("tenant") String tenant, @QueryParam("server") String server);

    @GET
    @Path("/servers")
    JsonNode servers(@QueryParam("tenant") String tenant, @QueryParam("server") String server);

    @GET
    @Path("/events")
    JsonNode events(@QueryParam("tenant") String tenant, @QueryParam("server") String server, @QueryParam("mitigation") String mitigation,
            @QueryParam("type") String type, @QueryParam("from") String from, @QueryParam("after") long after, @QueryParam("limit") int limit,
            @QueryParam("order") String order);

    @GET
    @Path("/tenants/{tenant}/chain")
    JsonNode chain(@PathParam("tenant") String tenant);

    @GET
    @Path("/reports/mitigations")
    JsonNode catalog();

    @GET
    @Path("/reports/kev-overdue")
    JsonNode kevOverdue(@QueryParam("tenant") String tenant);

    @GET
    @Path("/reports/time-to-mitigate")
    JsonNode timeToMitigate(@QueryParam("tenant") String tenant);

    @GET
    @Path("/reports/enforcement")
    JsonNode enforcement(@QueryParam("tenant") String tenant);

    /** The evidence export as the audit service writes it (JSON or CSV), passed through unchanged. */
    @GET
    @Path("/reports/evidence/{tenant}")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    Response evidence(@PathParam("tenant") String tenant, @QueryParam("format") String format);

    /** Every audit event as it is stored (JSON CloudEvents), of one tenant or of all the caller may see. */
    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    Multi<String> stream(@QueryParam("tenant") String tenant);
}
