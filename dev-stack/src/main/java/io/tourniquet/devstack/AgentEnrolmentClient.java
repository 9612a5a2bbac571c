package io.tourniquet.devstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.schemas.crypto.AgentIdentityFiles;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.crypto.SigningKey;
import io.tourniquet.schemas.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Enrols a server's agent (tourniquet agent enroll, and ./tourniquet up for its simulated servers): makes the
 * server's key in the agent's state directory when it has none, registers the public half with the policy service,
 * and waits until the policy checks the server's events against it. The private key never leaves the server.
 */
public final class AgentEnrolmentClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(200);

    /** The policy service's answer; {@code inForce} once the topology checks events against the key. */
    public record Result(int status, String body, String keyId, boolean inForce) {
        public boolean enrolled() {
            return status == 200 && inForce;
        }
    }

    private AgentEnrolmentClient() {
    }

    /** Registers the server's key (made when it has none) and waits until the policy checks its events against it. */
    public static Result enrol(String policyUrl, String tenant, String server, Path agentStateDir, String bearerToken, boolean replace,
            Duration wait) throws IOException, InterruptedException {
        Result registered = register(policyUrl, tenant, server, agentStateDir, bearerToken, replace);
        return registered.status() == 200 ? awaitInForce(policyUrl, tenant, server, registered.keyId(), bearerToken, wait) : registered;
    }

    /**
     * Registers the server's key, made when it has none; the answer of the policy service, not yet in force. The token
     * is an MSP administrator's: who enrols is recorded from it.
     */
    public static Result register(String policyUrl, String tenant, String server, Path agentStateDir, String bearerToken, boolean replace)
            throws IOException, InterruptedException {
        Topics.enrolmentKey(tenant, server);
        SigningKey key = AgentIdentityFiles.ensure(agentStateDir, server);
        String pem = Ed25519Keys.toPem(AgentIdentityFiles.publicKey(agentStateDir, server));
        String body = JSON.writeValueAsString(Map.of("publicKey", pem, "replace", replace));
        HttpResponse<String> response = StackHttp.client().send(HttpRequest.newBuilder(uri(policyUrl, tenant, server)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + bearerToken).PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return new Result(response.statusCode(), response.body(), key.keyId(), false);
    }

    /** Waits (bounded) until the policy service checks the server's events against the key. */
    public static Result awaitInForce(String policyUrl, String tenant, String server, String keyId, String bearerToken, Duration wait)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        HttpResponse<String> current;
        do {
            current = StackHttp.client().send(HttpRequest.newBuilder(uri(policyUrl, tenant, server)).timeout(Duration.ofSeconds(10))
                            .header("Authorization", "Bearer " + bearerToken).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (current.statusCode() == 200 && keyId.equals(JSON.readTree(current.body()).path("keyId").asText())) {
                return new Result(200, current.body(), keyId, true);
            }
            Thread.sleep(POLL.toMillis());
        } while (System.nanoTime() < deadline);
        return new Result(current.statusCode(), current.body(), keyId, false);
    }

    private static URI uri(String policyUrl, String tenant, String server) {
        return URI.create(policyUrl.replaceAll("/+$", "") + "/api/v1/tenants/" + tenant + "/servers/" + server + "/enrolment");
    }
}
