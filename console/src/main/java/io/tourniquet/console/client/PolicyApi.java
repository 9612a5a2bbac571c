package io.tourniquet.console.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.oidc.token.propagation.common.AccessToken;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.util.Map;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * The policy service's admin API as the signed-in person may call it (their access token goes with every call, so
 * the service decides what they may do and records them as the actor). Bodies are the API's own JSON.
 */
@RegisterRestClient(configKey = "policy-api")
@AccessToken
@Path("/api/v1")
public interface PolicyApi {

    @GET
    @Path("/tenants/{tenant}/policy")
    JsonNode policy(@PathParam("tenant") String tenant);

    @GET
    @Path("/tenants/{tenant}/mitigations")
    JsonNode mitigations(@PathParam("tenant") String tenant);

    @GET
    @Path("/tenants/{tenant}/rollouts")
    JsonNode rollouts(@PathParam("tenant") String tenant);

    @POST
    @Path("/tenants/{tenant}/mitigations/{mitigation}/{verdict: approve|reject}")
    JsonNode decide(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation, @PathParam("verdict") String verdict,
            Map<String, Object> decision);

    @PUT
    @Path("/tenants/{tenant}/blocked/{mitigation}")
    JsonNode block(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation);

    @DELETE
    @Path("/tenants/{tenant}/blocked/{mitigation}")
    JsonNode unblock(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation);

    @POST
    @Path("/tenants/{tenant}/mitigations/{mitigation}/rollout/{action}")
    JsonNode rollout(@PathParam("tenant") String tenant, @PathParam("mitigation") String mitigation, @PathParam("action") String action);

    @POST
    @Path("/tenants/{tenant}/servers/{server}/mitigations/{mitigation}/{action: reapply|remove}")
    JsonNode serverAction(@PathParam("tenant") String tenant, @PathParam("server") String server, @PathParam("mitigation") String mitigation,
            @PathParam("action") String action, Map<String, Object> decision);

    @PUT
    @Path("/mitigations/{mitigation}/kill-switch")
    JsonNode engageKillSwitch(@PathParam("mitigation") String mitigation, Map<String, Object> decision);

    @DELETE
    @Path("/mitigations/{mitigation}/kill-switch")
    JsonNode releaseKillSwitch(@PathParam("mitigation") String mitigation, @QueryParam("reason") String reason);
}
