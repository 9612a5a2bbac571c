package io.tourniquet.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeedCommandsTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final FeedCommands commands = new FeedCommands(new PrintStream(printed, true, StandardCharsets.UTF_8));

    private String output() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void keysSignAndVerifyRoundTripAndTheExitStatusSaysWhetherItWouldBeAccepted(@TempDir Path dir) throws Exception {
        assertThat(commands.generateKeys(List.of(dir.resolve("k1").toString()))).isZero();
        assertThat(commands.generateKeys(List.of(dir.resolve("k2").toString()))).isZero();
        assertThat(output()).doesNotContain("PRIVATE KEY");
        assertThat(Files.getPosixFilePermissions(dir.resolve("k1.key")))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(commands.generateKeys(List.of(dir.resolve("k1").toString()))).isEqualTo(1); // never overwrites a key

        Path payload = dir.resolve("payload.json");
        Files.writeString(payload, """
                {"feedId": "msp", "version": "4", "issuedAt": "%s", "expiresAt": "%s", "mitigations": [
                 {"id": "MSP1", "revision": 1, "title": "t", "product": "Exchange", "actions": [{"type": "heartbeat"}]}]}
                """.formatted(Instant.now().minusSeconds(5), Instant.now().plus(1, ChronoUnit.DAYS)));
        Path feed = dir.resolve("feed.json");
        String keys = dir.resolve("k1.pub") + "," + dir.resolve("k2.pub");
        assertThat(commands.sign(List.of(payload.toString(), "--keys=" + dir.resolve("k1") + "," + dir.resolve("k2"), "--out=" + feed))).isZero();

        assertThat(commands.verify(List.of(feed.toString(), "--keys=" + keys, "--threshold=2"))).isZero();
        assertThat(output()).contains("ACCEPTED  Tourniquet feed msp version 4");

        // a different payload under the same signatures
        Path other = dir.resolve("other.json");
        Files.writeString(other, Files.readString(payload).replace("\"MSP1\"", "\"MSP2\""));
        Path otherFeed = dir.resolve("other-feed.json");
        commands.sign(List.of(other.toString(), "--keys=" + dir.resolve("k1"), "--out=" + otherFeed));
        String otherPayload = Files.readString(otherFeed).replaceAll("(?s).*\"payload\" : \"([^\"]+)\".*", "$1");
        String original = Files.readString(feed).replaceAll("(?s).*\"payload\" : \"([^\"]+)\".*", "$1");
        Files.writeString(feed, Files.readString(feed).replace(original, otherPayload));
        assertThat(commands.verify(List.of(feed.toString(), "--keys=" + keys, "--threshold=2"))).isEqualTo(1);
        assertThat(output()).contains("REJECTED");
    }

    @Test
    void verifiesMicrosoftsRealFeed() throws Exception {
        Path real = Path.of(System.getProperty("tourniquet.testdata.dir", "../testdata"), "exchange/getexchangemitigations-2021-09.xml");
        assertThat(commands.verify(List.of(real.toString()))).isZero();
        assertThat(output()).contains("ACCEPTED  Microsoft EM feed").contains("PING1");
    }
}
