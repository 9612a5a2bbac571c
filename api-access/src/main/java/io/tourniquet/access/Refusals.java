package io.tourniquet.access;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.enterprise.event.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Every refused request (401, 403, 429), whatever refused it (token validation, a role rule, the tenant scope, a rate
 * limit): logged with who, what and when, and counted as {@code tourniquet.api.refused{status, method}}. A filter on
 * every route rather than a resource filter, because an invalid token is refused before any resource is matched.
 * Each is also fired as an {@link ApiRefusal} for the service's audit trail, at most {@value #RECORDED_PER_MINUTE} a
 * minute per caller (every anonymous caller counts as one), so that a flood of bad requests cannot flood the trail;
 * the log and the counter still see every one.
 */
@ApplicationScoped
public class Refusals {

    private static final Logger LOG = Logger.getLogger("io.tourniquet.access.refused");
    /** Before the authentication handlers, so that their answers are seen too. */
    private static final int BEFORE_AUTHENTICATION = 1_000;
    static final int RECORDED_PER_MINUTE = 60;
    private static final Pattern TENANT = Pattern.compile("/tenants/([^/?]+)|/evidence/([^/?]+)|[?&]tenant=([^&]+)");

    private final RateLimit recorded = new RateLimit(RECORDED_PER_MINUTE, Duration.ofMinutes(1));

    @Inject
    Event<ApiRefusal> refusals;

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
        Instant at = Instant.now();
        String from = String.valueOf(context.request().remoteAddress());
        LOG.warnf("refused %d %s %s caller=%s from=%s at=%s", status, method, context.request().path(), who, from, at);
        if (recorded.acquire(who).isEmpty()) {
            boolean authenticated = context.user() instanceof QuarkusHttpUser user && !user.getSecurityIdentity().isAnonymous();
            refusals.fireAsync(new ApiRefusal(status, method, context.request().path(), who,
                    authenticated ? tenantOf(context.request().uri()) : null, from, at));
        }
        Counter.builder("tourniquet.api.refused").description("API requests refused: no or invalid token (401), not allowed (403), "
                + "over a rate limit (429)").tag("status", Integer.toString(status)).tag("method", method).register(registry).increment();
    }

    private static String tenantOf(String uri) {
        Matcher matcher = TENANT.matcher(uri);
        if (!matcher.find()) {
            return null;
        }
        String tenant = matcher.group(1) != null ? matcher.group(1) : matcher.group(2) != null ? matcher.group(2) : matcher.group(3);
        return tenant.matches("[a-z0-9-]{1,63}") ? tenant : null;
    }

    private static String who(RoutingContext context) {
        if (context.user() instanceof QuarkusHttpUser user && !user.getSecurityIdentity().isAnonymous()) {
            return user.getSecurityIdentity().getPrincipal().getName();
        }
        String authorization = context.request().getHeader("Authorization");
        return authorization == null ? "anonymous (no token)" : "anonymous (token not accepted)";
    }
}
