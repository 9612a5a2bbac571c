package io.tourniquet.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The JDK's class-data sharing for the service JVMs of {@code ./tourniquet up}: the first run of a build records,
 * when a process of each module exits, the classes it loaded (a dynamic archive, {@code -XX:ArchiveClassesAtExit});
 * later runs map them instead of loading, verifying and linking every class again, which is most of a service's start
 * on two cores. An archive older than its module's jar is recorded again; one the JVM finds unusable is ignored by it.
 */
final class ClassDataArchives {

    private final Path dir;
    /** One process per module records its archive: the three agents would otherwise write one file together. */
    private final Set<Path> recording = new HashSet<>();

    ClassDataArchives(Path dir) {
        this.dir = dir;
    }

    /** The JVM options of one more process of this module's jar. */
    synchronized List<String> jvmOptions(String module, Path jar) {
        Path archive = dir.resolve(module + ".jsa");
        try {
            if (Files.exists(archive) && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0) {
                return List.of("-XX:SharedArchiveFile=" + archive);
            }
            if (!recording.add(archive)) {
                return List.of();
            }
            Files.createDirectories(dir);
            Files.deleteIfExists(archive);
            return List.of("-XX:ArchiveClassesAtExit=" + archive);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the class-data archive " + archive, e);
        }
    }
}
