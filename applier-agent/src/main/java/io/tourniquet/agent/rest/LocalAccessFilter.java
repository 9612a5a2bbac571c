package io.tourniquet.agent.rest;

import io.micrometer.core.instrument.MeterRegistry;
import io.tourniquet.agent.service.LocalControlToken;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The agent's local API is for the server's own administrators: every request to it must carry the token of
 * {@link LocalControlToken} (readable by the agent's OS user only), and name a loopback Host, so that a
 * web page in a browser on the server (DNS rebinding) cannot reach it either. Refusals are logged and counted.
 */
@Provider
public class LocalAccessFilter implements ContainerRequestFilter {

    private static final Logger LOG = Logger.getLogger(LocalAccessFilter.class);
    private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]");

    @Inject
    LocalControlToken token;

    @Inject
    MeterRegistry registry;

    @Override
    public void filter(ContainerRequestContext request) {
        if (!request.getUriInfo().getPath().startsWith("/api/")) {
            return; // health and API docs: no state, no control
        }
        // HTTP/2 (the JDK's client upgrades to it) carries the host as :authority, not as a Host header
        String header = request.getHeaderString(HttpHeaders.HOST);
        String host = header != null ? hostOf(header) : String.valueOf(request.getUriInfo().getRequestUri().getHost()).toLowerCase(Locale.ROOT);
        if (!LOOPBACK_HOSTS.contains(host)) {
            refuse(request, Response.Status.FORBIDDEN, "host", "the local API answers only requests addressed to a loopback host, not '" + host + "'");
            return;
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        byte[] presented = authorization != null && authorization.startsWith("Bearer ")
                ? authorization.substring("Bearer ".length()).trim().getBytes(StandardCharsets.US_ASCII) : new byte[0];
        if (!token.matches(presented)) {
            refuse(request, Response.Status.UNAUTHORIZED, presented.length == 0 ? "no-token" : "wrong-token",
                    "the local API needs 'Authorization: Bearer <token>' with the token in " + token.file()
                            + " (readable by the agent's user only)");
        }
    }

    private void refuse(ContainerRequestContext request, Response.Status status, String reason, String message) {
        registry.counter("tourniquet.agent.local.refused", "reason", reason).increment();
        LOG.warnf("local API: %s %s refused (%s)", request.getMethod(), request.getUriInfo().getPath(), reason);
        Response.ResponseBuilder response = Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message));
        if (status == Response.Status.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"tourniquet-agent\"");
        }
        request.abortWith(response.build());
    }

    /** The host of a Host header, without its port ("[::1]:8091" is "[::1]"). */
    static String hostOf(String header) {
        if (header == null) {
            return "";
        }
        String value = header.trim().toLowerCase(Locale.ROOT);
        if (value.startsWith("[")) {
            int end = value.indexOf(']');
            return end < 0 ? value : value.substring(0, end + 1);
        }
        int colon = value.indexOf(':');
        return colon < 0 ? value : value.substring(0, colon);
    }
}
