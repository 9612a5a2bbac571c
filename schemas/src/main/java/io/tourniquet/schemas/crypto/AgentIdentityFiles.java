package io.tourniquet.schemas.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * A server agent's own key pair, kept in the agent's state directory ({@code identity/<server>.key}, readable by its
 * owner only, and {@code .pub}). Made on the server, never sent anywhere: enrolment registers only the public half.
 * The agent and {@code tourniquet agent enroll} both use this, whichever runs first makes the pair.
 */
public final class AgentIdentityFiles {

    private AgentIdentityFiles() {
    }

    public static Path privateKeyFile(Path stateDir, String serverId) {
        return stateDir.resolve("identity").resolve(serverId + ".key");
    }

    public static Path publicKeyFile(Path stateDir, String serverId) {
        return stateDir.resolve("identity").resolve(serverId + ".pub");
    }

    /** The server's signing key, made on first use. */
    public static SigningKey ensure(Path stateDir, String serverId) {
        Path privateKey = privateKeyFile(stateDir, serverId);
        Path publicKey = publicKeyFile(stateDir, serverId);
        try {
            if (!Files.exists(privateKey)) {
                Files.createDirectories(privateKey.getParent());
                try {
                    OwnerOnlySecrets.create(privateKey, Ed25519Keys.toPem(Ed25519Keys.generate().getPrivate()));
                } catch (FileAlreadyExistsException raced) {
                    // another process made it first: use theirs
                }
            }
            PrivateKey key = Ed25519Keys.readPrivate(privateKey);
            if (!Files.exists(publicKey)) {
                // written from the private key, so a crash between the two files cannot leave a pair that disagrees
                Files.writeString(publicKey, Ed25519Keys.toPem(Ed25519Keys.publicOf(key)), StandardCharsets.US_ASCII);
            }
            return SigningKey.read(privateKey, publicKey);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make or read the agent key of " + serverId + " in " + privateKey.getParent(), e);
        }
    }

    public static PublicKey publicKey(Path stateDir, String serverId) {
        return Ed25519Keys.readPublic(publicKeyFile(stateDir, serverId));
    }
}
