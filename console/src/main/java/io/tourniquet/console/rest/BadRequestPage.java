package io.tourniquet.console.rest;

import io.quarkus.qute.Template;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** A request the console refuses (a missing confirmation, a bad tenant name) gets a page saying why; nothing was changed. */
public class BadRequestPage {

    @Inject
    Template refused;

    @ServerExceptionMapper({BadRequestException.class, IllegalArgumentException.class})
    public Response refuse(RuntimeException e) {
        return Response.status(Response.Status.BAD_REQUEST).type(MediaType.TEXT_HTML_TYPE)
                .entity(refused.data("message", e.getMessage()).render()).build();
    }
}
