package io.tourniquet.access;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Every refused request (401, 403, 429), whatever refused it (token validation, a role rule, the tenant scope, a rate
 * limit): logged with who, what and when, and counted as {@code tourniquet.api.refused{status, method}}. A filter on
 * every route rather than a resource filter, because an invalid token is refused before any resource is matched.
 */
@ApplicationScoped
public class Refusals {

    private static final Logger LOG = Logger.getLogger("io.tourniquet.access.refused");
    /** Before the authentication handlers, so that their answers are seen too. */
    private static final int BEFORE_AUTHENTICATION = 1_000;

    @Inject
    MeterRegistry registry;

    void watch(@Observes Filters filters) {
        filters.register(this::recordWhenRefused, BEFORE_AUTHENTICATION);
    }

    private void recordWhenRefused(RoutingContext context) {
        context.addHeadersEndHandler(ignored -> {
            int status = context.response().getStatusCode();
            if (status == 401 || status == 403 || status == 429) {
                record(status, context);
            }
        });
        context.next();
    }

    private void record(int status, RoutingContext context) {
        String method = context.request().method().name();
        String who = who(context);
        LOG.warnf("refused %d %s %s caller=%s from=%s at=%s", status, method, context.request().path(), who,
                context.request().remoteAddress(), Instant.now());
        Counter.builder("tourniquet.api.refused").description("API requests refused: no or invalid token (401), not allowed (403), "
                + "over a rate limit (429)").tag("status", Integer.toString(status)).tag("method", method).register(registry).increment();
    }

    private static String who(RoutingContext context) {
        if (context.user() instanceof QuarkusHttpUser user && !user.getSecurityIdentity().isAnonymous()) {
            return user.getSecurityIdentity().getPrincipal().getName();
        }
        String authorization = context.request().getHeader("Authorization");
        return authorization == null ? "anonymous (no token)" : "anonymous (token not accepted)";
    }
}
