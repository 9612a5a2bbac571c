package io.tourniquet.console.rest;

import io.smallrye.mutiny.Multi;
import io.tourniquet.console.client.AuditApi;
import io.tourniquet.console.domain.Viewer;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.schemas.topics.Topics;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * Live updates for an open page: the audit service's event stream, read with the person's token (so it carries only
 * their tenants), passed on as a bare "changed" signal; the page then reloads its own fragment, which is read
 * through the same rules as the page.
 */
@Path("/live")
@RolesAllowed({Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC})
public class LiveUpdates {

    @Inject
    @RestClient
    AuditApi audit;

    @Inject
    Viewer viewer;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)
    public Multi<String> changes(@QueryParam("tenant") String tenant) {
        String only = tenant == null || tenant.isBlank() ? null : tenant;
        if (only != null) {
            Topics.requireValidTenant(only);
        } else if (!viewer.seesEveryTenant()) {
            // the audit API streams one tenant or all of them: a person with several tenants gets each stream merged
            return Multi.createBy().merging().streams(viewer.tenants().stream().map(audit::stream).toList()).map(event -> "changed");
        }
        return audit.stream(only).map(event -> "changed");
    }
}
