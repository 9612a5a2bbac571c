package io.tourniquet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./tourniquet as a user types it: the real command line, its output streams and exit status, against real HTTP. */
class CliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private HttpServer policy;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private int answer = 200;
    /** The stand-in's body for a 200 answer. */
    private String reply = "{\"ok\": true}";

    /** A stand-in policy service on loopback that records each request line and body and answers {@link #answer}. */
    @BeforeEach
    void startPolicyService() throws Exception {
        policy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        policy.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + body);
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            byte[] bytes = (answer == 200 ? reply : "{\"error\": \"reason is required\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        policy.start();
    }

    @AfterEach
    void stopPolicyService() {
        policy.stop(0);
        System.clearProperty("tourniquet.home");
    }

    /** A signed-in CLI: its token kept where ./tourniquet login keeps it, under a home of its own. */
    @BeforeEach
    void signIn(@TempDir Path home) throws Exception {
        System.setProperty("tourniquet.home", home.toString());
        SignIn.save("http://issuer.invalid", new ObjectMapper().readTree("{\"access_token\": \"" + SIGNED_IN + "\"}"));
    }

    /** A JWT's shape (the stand-in service does not verify it): subject alice, expires in 2100. */
    private static final String SIGNED_IN = "eyJhbGciOiJub25lIn0." + java.util.Base64.getUrlEncoder().withoutPadding()
            .encodeToString("{\"sub\":\"alice\",\"exp\":4102444800,\"roles\":[\"operator\"],\"tenants\":[\"acme\"]}".getBytes(StandardCharsets.UTF_8))
            + ".c2ln";

    private int run(String... args) {
        var commandLine = Cli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private String policyUrl() {
        return "http://127.0.0.1:" + policy.getAddress().getPort();
    }

    @Test
    void anOptionValueOfTwoWordsIsTheValueWhetherGivenWithASpaceOrAnEqualsSign() throws Exception {
        assertThat(run("policy", "approve", "acme", "M1.1", "--reason", "CHG 1234 approved", "--policy", policyUrl())).isZero();
        assertThat(run("policy", "approve", "acme", "M1.1", "--reason=CHG 5678", "--valid-for=P2D", "--policy=" + policyUrl())).isZero();

        assertThat(requests).hasSize(2);
        JsonNode first = new ObjectMapper().readTree(requests.get(0).substring(requests.get(0).indexOf('{')));
        assertThat(requests.get(0)).startsWith("POST /api/v1/tenants/acme/mitigations/M1.1/approve ");
        assertThat(first.path("reason").asText()).isEqualTo("CHG 1234 approved");
        assertThat(first.has("by")).as("who acts is the token's subject, not a field").isFalse();
        assertThat(authorizations).containsOnly("Bearer " + SIGNED_IN);
        JsonNode second = new ObjectMapper().readTree(requests.get(1).substring(requests.get(1).indexOf('{')));
        assertThat(second.path("reason").asText()).isEqualTo("CHG 5678");
        assertThat(second.path("validFor").asText()).isEqualTo("P2D");
        assertThat(out.toString()).contains("\"ok\" : true");
    }

    @Test
    void unknownOptionsMissingArgumentsAndBadValuesAreRefusedOnStderrWithStatus2() {
        assertThat(run("policy", "approve", "acme", "M1.1", "--reason", "x", "--reasn", "typo", "--policy", policyUrl())).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option").contains("'--reasn'").contains("Possible solutions: --reason");
        assertThat(run("policy", "approve", "acme", "M1.1", "--policy", policyUrl())).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--reason=TEXT'");
        assertThat(run("up", "--tenants=x")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--tenants': 'x' is not an int");
        assertThat(run("policy", "rollout", "stop", "acme", "M1.1", "--policy", policyUrl())).isEqualTo(2);
        assertThat(err.toString()).contains("expected one of [start, pause, resume]");
        assertThat(run("no-such-command")).isEqualTo(2);
        assertThat(requests).as("nothing reached the service").isEmpty();
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aRefusalIsPrintedOnStderrWithStatus1AndAnUnreachableServiceWithStatus3(@TempDir Path dir) throws Exception {
        answer = 400;
        assertThat(run("policy", "block", "acme", "M1.1", "--policy", policyUrl())).isEqualTo(1);
        assertThat(requests).singleElement().asString().startsWith("PUT /api/v1/tenants/acme/blocked/M1.1 ");
        assertThat(err.toString()).contains("HTTP 400").contains("reason is required");

        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Path token = Files.writeString(dir.resolve("local-control.token"), "t0k3n\n");
        assertThat(run("agent", "status", "--agent", "http://127.0.0.1:" + closed, "--token-file", token.toString())).isEqualTo(3);
        assertThat(err.toString()).contains("not reachable at http://127.0.0.1:" + closed);
    }

    /** The agent's local API is called with the token only the agent's user can read; without it, nothing is sent. */
    @Test
    void agentCommandsSendTheLocalTokenAndRefuseToRunWithoutIt(@TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("local-control.token"), "0123abcd\n");
        assertThat(run("agent", "block", "M1.1", "--by", "alice", "--agent", policyUrl(), "--token-file", token.toString())).isZero();
        assertThat(requests).singleElement().asString().startsWith("PUT /api/v1/local/blocked/M1.1?by=alice");
        assertThat(authorizations).containsExactly("Bearer 0123abcd");

        assertThat(run("agent", "status", "--agent", policyUrl(), "--token-file", dir.resolve("missing").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("cannot read the agent's token");
        assertThat(requests).hasSize(1);
    }

    /** The key is made on the server, owner-only; only its public half travels, and a refusal (409: enrolled with another key) is said. */
    @Test
    void agentEnrollMakesTheServersKeyAndSendsOnlyItsPublicHalf(@TempDir Path state) throws Exception {
        answer = 409;
        assertThat(run("agent", "enroll", "--tenant", "acme", "--server", "exch01", "--state-dir", state.toString(),
                "--policy", policyUrl())).isEqualTo(1);
        Path privateKey = state.resolve("identity/exch01.key");
        assertThat(Files.getPosixFilePermissions(privateKey)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        String publicPem = Files.readString(state.resolve("identity/exch01.pub"));
        assertThat(requests).singleElement().asString().startsWith("PUT /api/v1/tenants/acme/servers/exch01/enrolment ");
        JsonNode body = new ObjectMapper().readTree(requests.get(0).substring(requests.get(0).indexOf('{')));
        assertThat(body.get("publicKey").asText()).isEqualTo(publicPem);
        assertThat(authorizations).containsExactly("Bearer " + SIGNED_IN);
        assertThat(requests.get(0)).doesNotContain("PRIVATE").doesNotContain(Files.readString(privateKey).lines().skip(1).findFirst().orElseThrow());
        assertThat(err.toString()).contains("not enrolled: HTTP 409");

        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        assertThat(run("agent", "enroll", "--tenant", "acme", "--server", "exch01", "--state-dir", state.toString(),
                "--policy", "http://127.0.0.1:" + closed)).isEqualTo(3);
    }

    /**
     * A chain head kept by the customer: its signature is checked here against the pinned audit key before the audit
     * service is asked whether its database still meets it; exit 0 only when both hold. A forged head never reaches
     * the service.
     */
    @Test
    void verifyHeadChecksThePinnedSignatureThenAsksTheAuditServiceAndSaysTrustedOnlyWhenBothHold(@TempDir Path dir) throws Exception {
        var auditKey = io.tourniquet.schemas.crypto.Ed25519Keys.generate();
        Path pinned = Files.writeString(dir.resolve("audit.pub"), io.tourniquet.schemas.crypto.Ed25519Keys.toPem(auditKey.getPublic()));
        String head = "a".repeat(64);
        String signedAt = "2026-12-01T00:00:00Z";
        String signature = java.util.Base64.getEncoder().encodeToString(io.tourniquet.schemas.crypto.Ed25519Keys.sign(auditKey.getPrivate(),
                io.tourniquet.schemas.audit.ChainHeads.signedText("acme", 42, head, signedAt).getBytes(StandardCharsets.UTF_8)));
        String published = "{\"events\": 42, \"head\": \"" + head + "\", \"signedAt\": \"" + signedAt + "\", \"keyId\": \""
                + io.tourniquet.schemas.crypto.Ed25519Keys.keyId(auditKey.getPublic()) + "\", \"signature\": \"" + signature + "\"}";
        Path headFile = Files.writeString(dir.resolve("head.json"), published);
        Path cloudEvent = Files.writeString(dir.resolve("event.json"), "{\"type\": \"chain.head-signed\", \"data\": {\"unmapped\": {\"chain_head\": "
                + published + "}}}");

        reply = "{\"trusted\": true}";
        assertThat(run("audit", "verify-head", "--tenant", "acme", "--public-key", pinned.toString(), "--audit", policyUrl(), headFile.toString()))
                .as("%s", err).isZero();
        assertThat(out.toString()).contains("signature: valid");
        assertThat(requests).singleElement().asString().startsWith("POST /api/v1/tenants/acme/chain/verification ").contains(head);
        assertThat(run("audit", "verify-head", "--tenant", "acme", "--public-key", pinned.toString(), "--audit", policyUrl(), cloudEvent.toString()))
                .as("the chain.head-signed CloudEvent that carried it").isZero();

        reply = "{\"trusted\": false}";
        assertThat(run("audit", "verify-head", "--tenant", "acme", "--audit", policyUrl(), headFile.toString()))
                .as("the database no longer meets the head").isEqualTo(1);

        requests.clear();
        Path forged = Files.writeString(dir.resolve("forged.json"), published.replace(head, "b".repeat(64)));
        assertThat(run("audit", "verify-head", "--tenant", "acme", "--public-key", pinned.toString(), "--audit", policyUrl(), forged.toString()))
                .isEqualTo(1);
        assertThat(err.toString()).contains("not the pinned audit key's");
        assertThat(requests).as("a forged head is refused before the service is asked").isEmpty();
        assertThat(run("audit", "verify-head", "--tenant", "globex", "--public-key", pinned.toString(), "--audit", policyUrl(), headFile.toString()))
                .as("another tenant's head").isEqualTo(1);
    }

    @Test
    void helpOnEveryCommandAndShellCompletion() {
        assertThat(run("help")).isZero();
        assertThat(out.toString()).contains("Usage: tourniquet").contains("policy").contains("Exit status:").contains("3   the service could not be reached");
        assertThat(run("policy", "kill-switch", "--help")).isZero();
        assertThat(out.toString()).contains("--remove-applied").contains("--reason=TEXT");
        assertThat(run("generate-completion")).isZero();
        assertThat(out.toString()).contains("complete -F").contains("tourniquet");
    }

    @Test
    void keysSignAndVerifyRoundTripAndTheExitStatusSaysWhetherItWouldBeAccepted(@TempDir Path dir) throws Exception {
        assertThat(run("keys", "generate", dir.resolve("k1").toString())).isZero();
        assertThat(run("keys", "generate", dir.resolve("k2").toString())).isZero();
        assertThat(out.toString()).doesNotContain("PRIVATE KEY");
        assertThat(Files.getPosixFilePermissions(dir.resolve("k1.key")))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(run("keys", "generate", dir.resolve("k1").toString())).as("never overwrites a key").isEqualTo(1);

        Path payload = dir.resolve("payload.json");
        Files.writeString(payload, """
                {"feedId": "msp", "version": "4", "issuedAt": "%s", "expiresAt": "%s", "mitigations": [
                 {"id": "MSP1", "revision": 1, "title": "t", "product": "Exchange", "actions": [{"type": "heartbeat"}]}]}
                """.formatted(Instant.now().minusSeconds(5), Instant.now().plus(1, ChronoUnit.DAYS)));
        Path feed = dir.resolve("feed.json");
        String keys = dir.resolve("k1.pub") + "," + dir.resolve("k2.pub");
        assertThat(run("feed", "sign", payload.toString(), "--keys", dir.resolve("k1") + "," + dir.resolve("k2"), "--out", feed.toString())).isZero();

        assertThat(run("feed", "verify", feed.toString(), "--keys=" + keys, "--threshold=2")).isZero();
        assertThat(out.toString()).contains("ACCEPTED  Tourniquet feed msp version 4");

        // a different payload under the same signatures
        Path other = dir.resolve("other.json");
        Files.writeString(other, Files.readString(payload).replace("\"MSP1\"", "\"MSP2\""));
        Path otherFeed = dir.resolve("other-feed.json");
        assertThat(run("feed", "sign", other.toString(), "--keys=" + dir.resolve("k1"), "--out=" + otherFeed)).isZero();
        String otherPayload = Files.readString(otherFeed).replaceAll("(?s).*\"payload\" : \"([^\"]+)\".*", "$1");
        String original = Files.readString(feed).replaceAll("(?s).*\"payload\" : \"([^\"]+)\".*", "$1");
        Files.writeString(feed, Files.readString(feed).replace(original, otherPayload));
        assertThat(run("feed", "verify", feed.toString(), "--keys", keys, "--threshold", "2")).isEqualTo(1);
        assertThat(err.toString()).contains("REJECTED");
        assertThat(run("feed", "verify", dir.resolve("missing.json").toString(), "--keys", keys)).isEqualTo(2);
        assertThat(err.toString()).contains("no such file");
    }

    @Test
    void verifiesMicrosoftsRealFeed() {
        Path real = Path.of(System.getProperty("tourniquet.testdata.dir", "../testdata"), "exchange/getexchangemitigations-2021-09.xml");
        assertThat(run("feed", "verify", real.toString())).isZero();
        assertThat(out.toString()).contains("ACCEPTED  Microsoft EM feed").contains("PING1");
    }
}
