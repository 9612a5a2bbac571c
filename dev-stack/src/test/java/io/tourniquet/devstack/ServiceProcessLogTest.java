package io.tourniquet.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A service's log outlives its process: a restart appends to it, and only a log grown large is rotated, once. */
class ServiceProcessLogTest {

    @TempDir
    Path dir;

    @Test
    void aRestartedServiceAppendsToTheLogOfTheProcessBeforeIt() throws Exception {
        Path notAJar = Files.writeString(dir.resolve("broken.jar"), "not a jar"); // the JVM says so in the log and exits
        Path logs = dir.resolve("logs");
        for (int start = 0; start < 2; start++) {
            ServiceProcess process = ServiceProcess.start("broken", notAJar, EmbeddedKafkaBroker.freePort(), Map.of(), Map.of(), logs, "16m");
            await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
        }
        String log = Files.readString(logs.resolve("broken.log"));
        assertThat(log.lines().filter(line -> line.startsWith("--- broken starting at "))).hasSize(2);
        assertThat(log.lines().filter(line -> line.contains("broken.jar"))).as("each process's own output, the first one's kept").hasSize(2);
    }

    @Test
    void aLogPastTheLimitIsKeptAsOneOlderFileAtTheNextStart() throws Exception {
        Path log = dir.resolve("svc.log");
        Files.writeString(log, "small\n");
        ServiceProcess.rotateIfLarge(log);
        assertThat(log).hasContent("small");

        Files.writeString(dir.resolve("svc.log.1"), "the oldest, replaced\n");
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "rw")) {
            file.setLength(ServiceProcess.LOG_ROTATE_BYTES + 1);
        }
        ServiceProcess.rotateIfLarge(log);
        assertThat(log).doesNotExist();
        assertThat(Files.size(dir.resolve("svc.log.1"))).isEqualTo(ServiceProcess.LOG_ROTATE_BYTES + 1);
    }
}
