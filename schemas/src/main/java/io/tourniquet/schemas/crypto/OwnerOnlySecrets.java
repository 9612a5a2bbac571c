package io.tourniquet.schemas.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Secrets kept on a server's disk: files created readable by their owner only, never briefly readable by others. */
public final class OwnerOnlySecrets {

    private OwnerOnlySecrets() {
    }

    /** Creates the file owner-only with the content; fails if it exists (a racing process made it first). */
    public static void create(Path file, String content) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
        Files.writeString(file, content, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** The random token kept in the file (32 bytes, hex): read when it exists, made first otherwise. */
    public static String token(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            try {
                create(file, HexFormat.of().formatHex(random) + "\n");
            } catch (FileAlreadyExistsException raced) {
                // another process made it first: use theirs
            }
        }
        return Files.readString(file, StandardCharsets.US_ASCII).trim();
    }
}
