package io.tourniquet.access;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Tenant scope on every endpoint at once: a request that names a tenant (path parameter {tenant} or query parameter
 * tenant) is refused with 403 unless the caller's token names that tenant or every tenant. Unauthenticated requests
 * pass through to the role check, which answers 401.
 */
public class TenantGuard {

    static final String TENANT = "tenant";

    @Inject
    SecurityIdentity identity;

    @Inject
    Caller caller;

    @ServerRequestFilter
    public Response requireTenantOfToken(ContainerRequestContext request) {
        if (identity.isAnonymous()) {
            return null;
        }
        for (String tenant : new String[] {request.getUriInfo().getPathParameters().getFirst(TENANT),
                request.getUriInfo().getQueryParameters().getFirst(TENANT)}) {
            if (tenant != null && !caller.mayAccess(tenant)) {
                return Problem.response(403, Caller.notGranted(tenant));
            }
        }
        return null;
    }
}
