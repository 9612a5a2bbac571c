package io.tourniquet.console.rest;

import io.quarkus.qute.Template;
import io.tourniquet.access.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * A request the console refuses (a missing confirmation, a bad tenant name, another tenant's page) gets a page saying
 * why. The APIs' own refusals (api-access's JSON Problem) are shown as the same page.
 */
public class RefusalPages {

    @Inject
    Template refused;

    @ServerExceptionMapper({BadRequestException.class, IllegalArgumentException.class})
    public Response badRequest(RuntimeException e) {
        return page(Response.Status.BAD_REQUEST, e.getMessage());
    }

    /** The shared access rules (api-access: tenant scope, roles) answer with a Problem; people get it as a page. */
    @ServerResponseFilter
    public void problemAsPage(ContainerResponseContext response) {
        if (response.getEntity() instanceof Problem problem) {
            response.setEntity(refused.data("message", problem.error()).render(), null, MediaType.TEXT_HTML_TYPE);
        }
    }

    private Response page(Response.Status status, String message) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE).entity(refused.data("message", message).render()).build();
    }
}
