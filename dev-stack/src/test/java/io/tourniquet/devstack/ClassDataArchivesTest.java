package io.tourniquet.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which JVM records a module's archive, and when an archive is used or recorded again. */
class ClassDataArchivesTest {

    @TempDir
    Path dir;

    @Test
    void oneProcessPerModuleRecordsAndLaterRunsUseTheArchiveUntilTheJarIsRebuilt() throws Exception {
        Path jar = Files.writeString(dir.resolve("quarkus-run.jar"), "jar");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-12-05T10:00:00Z")));
        Path archive = dir.resolve("class-data/applier-agent.jsa");

        ClassDataArchives firstRun = new ClassDataArchives(dir.resolve("class-data"));
        assertThat(firstRun.jvmOptions("applier-agent", jar)).containsExactly("-XX:ArchiveClassesAtExit=" + archive);
        assertThat(firstRun.jvmOptions("applier-agent", jar)).as("the second agent does not write the same file").isEmpty();
        assertThat(firstRun.jvmOptions("console", jar)).containsExactly("-XX:ArchiveClassesAtExit=" + dir.resolve("class-data/console.jsa"));

        Files.writeString(archive, "recorded at exit"); // as the JVM leaves it, after the jar was built
        Files.setLastModifiedTime(archive, FileTime.from(Instant.parse("2026-12-05T10:05:00Z")));
        assertThat(new ClassDataArchives(dir.resolve("class-data")).jvmOptions("applier-agent", jar)).containsExactly("-XX:SharedArchiveFile=" + archive);

        Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-12-05T11:00:00Z"))); // rebuilt
        assertThat(new ClassDataArchives(dir.resolve("class-data")).jvmOptions("applier-agent", jar)).containsExactly("-XX:ArchiveClassesAtExit=" + archive);
        assertThat(archive).as("the stale archive is gone before the JVM records a new one").doesNotExist();
    }
}
