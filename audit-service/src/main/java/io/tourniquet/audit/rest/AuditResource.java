package io.tourniquet.audit.rest;

import io.tourniquet.audit.store.AuditQueries;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    @Inject
    AuditQueries queries;

    @GET
    @Path("/state")
    @Operation(summary = "Current state of each mitigation on each server, filterable by tenant, server and mitigation")
    public List<AuditQueries.MitigationState> state(@QueryParam("tenant") String tenant, @QueryParam("server") String server,
            @QueryParam("mitigation") String mitigation) throws SQLException {
        return queries.states(tenant, server, mitigation);
    }

    @GET
    @Path("/summary")
    @Operation(summary = "Per tenant, how many server/mitigation pairs are in each state")
    public Map<String, Map<String, Long>> summary() throws SQLException {
        return queries.summary();
    }

    @GET
    @Path("/events")
    @Operation(summary = "Stored events in order, filterable, paged by sequence number (pass the last seq seen as 'after')")
    public List<AuditQueries.Event> events(@QueryParam("tenant") String tenant, @QueryParam("server") String server,
            @QueryParam("mitigation") String mitigation, @QueryParam("type") String type,
            @QueryParam("after") @DefaultValue("0") long after, @QueryParam("limit") @DefaultValue("100") int limit) throws SQLException {
        if (limit < 1 || limit > 1000) {
            throw new BadRequestException("limit must be between 1 and 1000");
        }
        return queries.events(tenant, server, mitigation, type, after, limit);
    }

    @GET
    @Path("/tenants/{tenant}/chain")
    @Operation(summary = "Recompute the tenant's hash chain; returns whether it is intact and its head")
    public AuditQueries.ChainVerification chain(@PathParam("tenant") String tenant) throws SQLException {
        return queries.verifyChain(tenant);
    }
}
