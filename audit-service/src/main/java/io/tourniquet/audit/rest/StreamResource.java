package io.tourniquet.audit.rest;

import io.tourniquet.access.Caller;
import io.tourniquet.schemas.security.Roles;
import jakarta.annotation.security.RolesAllowed;

import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import io.smallrye.mutiny.Multi;
import io.tourniquet.audit.cloudevents.LiveStream;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** Live audit events for SOC tools: server-sent events, each a CloudEvent in JSON (structured) format. No Avro needed. */
@Path("/api/v1/stream")
public class StreamResource {

    private static final EventFormat FORMAT = EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE);

    @Inject
    LiveStream live;

    @Inject
    Caller caller;

    @RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)
    @Operation(summary = "Every audit event as it is stored, as JSON CloudEvents over server-sent events; 'tenant' filters")
    public Multi<String> stream(@QueryParam("tenant") String tenant) {
        String only = caller.tenantFilter(tenant);
        return live.events()
                .filter(e -> only == null || only.equals(e.getExtension("tenant")))
                .map(e -> new String(FORMAT.serialize(e), StandardCharsets.UTF_8));
    }
}
