package io.tourniquet.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.agent.backend.nginx.NginxErrorLog;
import io.tourniquet.schemas.EnforcementCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The error log as nginx writes it (the lines are those NginxBackendTest's real nginx wrote), read the way a running
 * agent meets it: appended to while read, larger than a read chunk, rotated, restarted.
 */
class EnforcementLogTest {

    private static final String BLOCKED = "2026/12/04 10:00:0%d [error] 4242#4242: *%d js: tourniquet enforcement: blocked mitigation=\"M1.1\" "
            + "rule=\"EEMS M1.1 PowerShell - inbound\", client: 127.0.0.1, server: , request: \"GET /autodiscover/autodiscover.json?@evil.com/PowerShell/ HTTP/1.1\"\n";
    private static final String WOULD_BLOCK = "2026/12/04 11:00:00 [error] 4242#4242: *9 js: tourniquet enforcement: would-block mitigation=\"M2.1\" rule=\"r\"\n";
    private static final String OTHER = "2026/12/04 10:00:00 [error] 4242#4242: *1 open() \"/usr/share/nginx/html/favicon.ico\" failed (2: No such file or directory)\n";

    @TempDir
    Path dir;

    private EnforcementLog log() {
        return new EnforcementLog(EnforcementLog.file(dir.resolve("error.log")), dir.resolve("counts.json"), new NginxErrorLog(ZoneOffset.UTC));
    }

    private void append(String text) throws Exception {
        Files.writeString(dir.resolve("error.log"), text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String summary(List<EnforcementCount> counts) {
        return counts.stream().map(c -> c.getMitigationId() + "=" + c.getBlocked() + "/" + c.getWouldBlock()).toList().toString();
    }

    @Test
    void countsOnlyItsOwnWholeLinesOnceAcrossReadsRestartsAndRotation() throws Exception {
        assertThat(log().counts()).as("no log yet").isEmpty();
        append(OTHER + BLOCKED.formatted(1, 2) + WOULD_BLOCK + BLOCKED.formatted(3, 4).substring(0, 40)); // nginx is writing the last line
        assertThat(summary(log().counts())).isEqualTo("[M1.1=1/0, M2.1=0/1]");

        append(BLOCKED.formatted(3, 4).substring(40));
        List<EnforcementCount> counts = log().counts(); // a new reader: as after a restart
        assertThat(summary(counts)).isEqualTo("[M1.1=2/0, M2.1=0/1]");
        assertThat(counts.get(0).getFirstSeenAt()).isEqualTo(Instant.parse("2026-12-04T10:00:01Z"));
        assertThat(counts.get(0).getLastSeenAt()).isEqualTo(Instant.parse("2026-12-04T10:00:03Z"));
        assertThat(summary(log().counts())).as("read again: nothing new").isEqualTo("[M1.1=2/0, M2.1=0/1]");

        Files.move(dir.resolve("error.log"), dir.resolve("error.log.1")); // logrotate, then nginx reopens a new file
        append(BLOCKED.formatted(5, 6));
        assertThat(summary(log().counts())).isEqualTo("[M1.1=3/0, M2.1=0/1]");
    }

    /** A client cannot forge evidence: nginx quotes the request line of other errors, whatever text the client put in it. */
    @Test
    void theMarkerInsideAClientsRequestLineIsNotCounted() throws Exception {
        append("2026/12/04 10:00:00 [error] 4242#4242: *7 open() \"/usr/share/nginx/html/x\" failed (2: No such file or directory), client: 203.0.113.9,"
                + " server: , request: \"GET /js: tourniquet enforcement: blocked mitigation=\"M1.1\" HTTP/1.1\", host: \"mail\"\n"
                + "2026/12/04 10:00:01 [error] 4242#4242: *8 js: tourniquet enforcement: blocked mitigation=\"M1.1\" rule=\"r\"\n");
        assertThat(summary(log().counts())).isEqualTo("[M1.1=1/0]");
    }

    @Test
    void aLogLargerThanOneReadIsCountedWhole() throws Exception {
        StringBuilder big = new StringBuilder();
        int blocked = 0;
        while (big.length() < 3 * (1 << 20)) { // three read chunks, lines straddling their ends
            big.append(OTHER);
            if (big.length() % 7 == 0) {
                big.append(BLOCKED.formatted(1, 1));
                blocked++;
            }
        }
        big.append(BLOCKED.formatted(2, 2));
        append(big.toString());
        assertThat(summary(log().counts())).isEqualTo("[M1.1=" + (blocked + 1) + "/0]");
    }
}
