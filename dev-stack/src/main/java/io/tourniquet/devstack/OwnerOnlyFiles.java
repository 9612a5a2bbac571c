package io.tourniquet.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Secrets of the local stack: files created readable by their owner only, never briefly readable by others. */
final class OwnerOnlyFiles {

    private OwnerOnlyFiles() {
    }

    /** The secret kept in the file: read when it exists, otherwise a new random one written there first. */
    static String secret(Path file) throws IOException {
        if (!Files.exists(file)) {
            write(file, LocalPki.randomSecret());
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    static void write(Path file, String content) throws IOException {
        directory(file.toAbsolutePath().getParent());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            restrict(file);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system (Windows): the directory's own permissions apply
        }
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    /** A directory of secrets: created (or kept) listable and enterable by its owner only. */
    static void directory(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the parent's permissions apply
        }
    }

    static void restrict(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own permissions apply
        }
    }
}
