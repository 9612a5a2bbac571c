package io.tourniquet.access;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.regex.Pattern;

/**
 * A bearer token that is not even shaped like one (empty, a JWT without its three parts, characters RFC 6750 does not
 * allow) is refused with 401 before it reaches token validation, which answers some of them with a 500.
 */
@ApplicationScoped
public class MalformedBearerTokens {

    private static final int BEFORE_AUTHENTICATION = 900;
    private static final Pattern BEARER = Pattern.compile("(?i)bearer(?:\\s.*)?");
    private static final Pattern JWT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final Pattern OPAQUE = Pattern.compile("[A-Za-z0-9._~+/-]+=*");

    void refuse(@Observes Filters filters) {
        filters.register(this::checkShape, BEFORE_AUTHENTICATION);
    }

    private void checkShape(RoutingContext context) {
        String authorization = context.request().getHeader("Authorization");
        if (authorization != null && BEARER.matcher(authorization).matches() && !wellFormed(authorization.substring(6).strip())) {
            context.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
                    .putHeader("Content-Type", "application/json").end("{\"error\":\"the bearer token is malformed\"}");
            return;
        }
        context.next();
    }

    static boolean wellFormed(String token) {
        return token.contains(".") ? JWT.matcher(token).matches() : OPAQUE.matcher(token).matches();
    }
}
