package io.tourniquet.console.rest;

import io.quarkus.qute.Template;
import io.tourniquet.access.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.logging.Logger;

/**
 * A request the console refuses (a missing confirmation, a bad tenant name, another tenant's page) gets a page saying
 * why. The APIs' own refusals (api-access's JSON Problem) are shown as the same page.
 */
public class RefusalPages {

    private static final Logger LOG = Logger.getLogger(RefusalPages.class);

    @Inject
    Template refused;

    @ServerExceptionMapper({BadRequestException.class, IllegalArgumentException.class})
    public Response badRequest(RuntimeException e) {
        return page(Response.Status.BAD_REQUEST.getStatusCode(), e.getMessage());
    }

    /** The shared access rules (api-access: tenant scope, roles) answer with a Problem; people get it as a page. */
    @ServerResponseFilter
    public void problemAsPage(ContainerResponseContext response) {
        if (response.getEntity() instanceof Problem problem) {
            response.setEntity(refused.data("message", problem.error()).render(), null, MediaType.TEXT_HTML_TYPE);
        }
    }

    /** A service the console reads from does not answer (down, restarting, unreachable): say so, not a stack trace. */
    @ServerExceptionMapper
    public Response unreachable(ProcessingException e) {
        LOG.warnf("a service did not answer: %s", e.getMessage());
        return page(Response.Status.SERVICE_UNAVAILABLE.getStatusCode(), "The policy or audit service does not answer (" + e.getMessage()
                + "). Try again once it is back; if this was an action, look for it in the tenant's history before repeating it.");
    }

    /** An API's answer the page cannot use (an error of the service, an expired sign-in): its status and its words. */
    @ServerExceptionMapper
    public Response apiError(WebApplicationException e) {
        Response answer = e.getResponse();
        String body = answer.hasEntity() ? answer.readEntity(String.class) : e.getMessage();
        return page(answer.getStatus(), "HTTP " + answer.getStatus() + ": " + body);
    }

    private Response page(int status, String message) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE).entity(refused.data("message", message).render()).build();
    }
}
