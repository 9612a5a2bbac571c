package io.tourniquet.cli;

import io.tourniquet.schemas.crypto.Ed25519Keys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** ./tourniquet keys generate: Ed25519 key pairs for feed signers. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Key pairs for signing feeds.")
final class KeysCommand {

    @Spec
    CommandSpec spec;

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "A new Ed25519 key pair: NAME.key (owner-only) and NAME.pub; prints the key id, never the private key.")
    int generate(@Parameters(paramLabel = "PATH/NAME") Path base) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path privateKey = Path.of(base + ".key");
        Path publicKey = Path.of(base + ".pub");
        if (Files.exists(privateKey)) {
            spec.commandLine().getErr().println(privateKey + " exists; not overwriting a key");
            return Cli.FAILED;
        }
        if (base.toAbsolutePath().getParent() != null) {
            Files.createDirectories(base.toAbsolutePath().getParent());
        }
        KeyPair pair = Ed25519Keys.generate();
        Files.writeString(privateKey, "");
        try {
            Files.setPosixFilePermissions(privateKey, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        Files.writeString(privateKey, Ed25519Keys.toPem(pair.getPrivate()));
        Files.writeString(publicKey, Ed25519Keys.toPem(pair.getPublic()));
        out.printf("Ed25519 key %s%n  private: %s (keep it offline; never logged)%n  public:  %s (give it to the ingestor's trusted-keys)%n",
                Ed25519Keys.keyId(pair.getPublic()), privateKey, publicKey);
        return Cli.OK;
    }
}
