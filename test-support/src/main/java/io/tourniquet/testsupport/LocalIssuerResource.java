package io.tourniquet.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tourniquet.devstack.LocalIssuer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A real OpenID Connect provider for a module's @QuarkusTests: the local issuer on a free port, which the service
 * under test discovers and whose published keys (JWKS over HTTP) it validates every token against, as in production.
 * {@link TestTokens} mints the tokens, valid or not, that the tests present.
 */
public class LocalIssuerResource implements QuarkusTestResourceLifecycleManager {

    private static volatile LocalIssuer current;

    /** The issuer of the application running now. */
    public static LocalIssuer issuer() {
        if (current == null) {
            throw new IllegalStateException("no local issuer: annotate a test of the module with @QuarkusTestResource(LocalIssuerResource.class)");
        }
        return current;
    }

    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("tourniquet-issuer");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        current = LocalIssuer.start(dir.resolve("issuer-signing.key"), 0, List.of(), List.of());
        return Map.of("quarkus.oidc.auth-server-url", current.url());
    }

    @Override
    public void stop() {
        if (current != null) {
            current.close();
            current = null;
        }
        if (dir != null) {
            dir.resolve("issuer-signing.key").toFile().delete();
            dir.toFile().delete();
        }
    }
}
