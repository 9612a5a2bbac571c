package io.tourniquet.agent.rest;

import io.tourniquet.schemas.CommandRef;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import io.tourniquet.agent.domain.LocalControl;
import io.tourniquet.agent.service.LocalControlService;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The server admin's own switches, on the agent's loopback-only port (the agent accepts no connection from the
 * network): block a mitigation here whatever the policy says, or let the agent only observe.
 */
@Path("/api/v1/local")
@Produces(MediaType.APPLICATION_JSON)
public class LocalControlResource {

    /** The control now in effect and what changing it did on each server (events as reported to the tenant's topic). */
    public record Outcome(LocalControl localControl, List<String> changes) {
    }

    /** A refused request and why. */
    public record Problem(String error) {
    }

    @Inject
    LocalControlService service;

    @GET
    @Operation(summary = "What the local admin blocked, and whether the agent only observes")
    public LocalControl get() {
        return service.current();
    }

    @PUT
    @Path("/blocked/{mitigationId}")
    @Operation(summary = "Block a mitigation on this server: not applied, and removed if in force (like Set-ExchangeServer -MitigationsBlocked)")
    public Response block(@PathParam("mitigationId") String mitigationId, @QueryParam("by") String by) {
        return run(() -> service.block(mitigationId, true, by));
    }

    @DELETE
    @Path("/blocked/{mitigationId}")
    @Operation(summary = "Unblock a mitigation on this server: what the policy wants for it is carried out")
    public Response unblock(@PathParam("mitigationId") String mitigationId, @QueryParam("by") String by) {
        return run(() -> service.block(mitigationId, false, by));
    }

    @PUT
    @Path("/observe-only")
    @Operation(summary = "Observe only (true): verify and report commands, change nothing; false: carry out what was held")
    public Response observeOnly(@QueryParam("enabled") Boolean enabled, @QueryParam("by") String by) {
        if (enabled == null) {
            return Response.status(400).entity(new Problem("query parameter 'enabled' (true or false) is required")).build();
        }
        return run(() -> service.observeOnly(enabled, by));
    }

    private Response run(Supplier<List<SpecificRecord>> change) {
        try {
            var results = change.get();
            return Response.ok(new Outcome(service.current(), results.stream().map(LocalControlResource::describe).toList())).build();
        } catch (IllegalArgumentException e) {
            return Response.status(400).entity(new Problem(e.getMessage())).build();
        }
    }

    /** e.g. "MitigationRemoved on exch01: M1.1" (every result of a local change is about a server and a command). */
    private static String describe(SpecificRecord event) {
        var record = (SpecificRecordBase) event;
        var command = (CommandRef) record.get("command");
        return event.getClass().getSimpleName() + " on " + record.get("serverId") + ": " + command.getMitigationId();
    }
}
