package io.tourniquet.agent.service;

import io.quarkus.runtime.StartupEvent;
import io.tourniquet.agent.config.AgentConfig;
import io.tourniquet.schemas.crypto.OwnerOnlySecrets;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.jboss.logging.Logger;

/**
 * The credential of the agent's local API: a random token in {@code <state-dir>/local-control.token}, made at the
 * first start, readable by the agent's OS user only (on Windows: the state directory's ACL, Administrators and SYSTEM).
 */
@ApplicationScoped
public class LocalControlToken {

    public static final String FILE = "local-control.token";
    private static final Logger LOG = Logger.getLogger(LocalControlToken.class);

    @Inject
    AgentConfig config;

    private volatile byte[] token;

    public static Path file(Path stateDir) {
        return stateDir.resolve(FILE);
    }

    public Path file() {
        return file(config.stateDir());
    }

    void atStart(@Observes StartupEvent event) {
        token();
        LOG.infof("local API token in %s", file());
    }

    /** Constant-time comparison with the presented token. */
    public boolean matches(byte[] presented) {
        return MessageDigest.isEqual(presented, token());
    }

    private byte[] token() {
        if (token == null) {
            try {
                token = OwnerOnlySecrets.token(file()).getBytes(StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make or read the local API token " + file(), e);
            }
        }
        return token;
    }
}
