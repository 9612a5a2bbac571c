package io.tourniquet.access;

import io.quarkus.oidc.OIDCException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * While the identity provider cannot be reached, no token can be checked: every API call is refused with 503 and
 * Retry-After, saying why, rather than a bare 500 (health stays answerable: it needs no token).
 */
@ApplicationScoped
public class IdentityProviderUnreachable {

    private static final Logger LOG = Logger.getLogger(IdentityProviderUnreachable.class);

    void answer503(@Observes Router router) {
        router.route().failureHandler(context -> {
            for (Throwable cause = context.failure(); cause != null; cause = cause.getCause()) {
                if (cause instanceof OIDCException) {
                    LOG.warnf("refused 503 %s %s: the identity provider cannot be reached (%s)", context.request().method(),
                            context.request().path(), cause.getMessage());
                    context.response().setStatusCode(503).putHeader("Retry-After", "10").putHeader("Content-Type", "application/json")
                            .end(new JsonObject().put("error", "the identity provider cannot be reached: tokens cannot be checked now").encode());
                    return;
                }
            }
            context.next();
        });
    }
}
