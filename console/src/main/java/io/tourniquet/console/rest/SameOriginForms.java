package io.tourniquet.console.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.net.URI;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Cross-site request forgery: a page elsewhere must not make a signed-in operator's browser approve, block or engage
 * a kill switch. Every request that changes something must say it came from the console's own pages: browsers send
 * Sec-Fetch-Site (same-origin) and Origin with every form POST, and a page cannot forge either. A request with
 * neither (not a browser) is refused too; scripts use the APIs, not the console.
 */
@Provider
public class SameOriginForms implements ContainerRequestFilter {

    private static final Logger LOG = Logger.getLogger(SameOriginForms.class);
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    @Override
    public void filter(ContainerRequestContext request) {
        if (SAFE.contains(request.getMethod())) {
            return;
        }
        String fetchSite = request.getHeaderString("Sec-Fetch-Site");
        String origin = request.getHeaderString("Origin");
        URI self = request.getUriInfo().getBaseUri();
        String selfOrigin = self.getScheme() + "://" + self.getRawAuthority();
        // Sec-Fetch-Site is set by the browser alone; Origin (sent as "null" under some referrer policies) only without it
        boolean sameOrigin = fetchSite != null ? fetchSite.equals("same-origin") : selfOrigin.equals(origin);
        if (!sameOrigin) {
            LOG.warnf("refused %s %s from another origin (Origin %s, Sec-Fetch-Site %s)", request.getMethod(),
                    request.getUriInfo().getPath(), origin, fetchSite);
            request.abortWith(Response.status(Response.Status.FORBIDDEN).type(MediaType.TEXT_PLAIN)
                    .entity("refused: this change did not come from the console's own page").build());
        }
    }
}
