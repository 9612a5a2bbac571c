package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tourniquet.devstack.LocalStack;
import io.tourniquet.devstack.StackHttp;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The health gate end to end, on the stack as {@code ./tourniquet up} runs it: the agents probe a real HTTP endpoint
 * (here a local server playing OWA's sign-in page) before and after each apply. The canary's OWA stops answering once
 * the mitigation is in; the policy halts the staged rollout naming the probe, the other server is never commanded,
 * and the canary keeps the mitigation (an agent never removes a security mitigation because of a probe).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthGatedRolloutIT {

    private static final List<String> TENANTS = List.of("acme");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer owa;
    /** Once armed, OWA answers the next request (the probe before the apply) and then only 503. */
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicInteger answeredWhileArmed = new AtomicInteger();
    private LocalStack stack;

    @BeforeAll
    void start() throws Exception {
        owa = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        owa.createContext("/owa/auth/logon.aspx", exchange -> {
            int status = armed.get() && answeredWhileArmed.getAndIncrement() > 0 ? 503 : 200;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        owa.start();
        Path home = Path.of(System.getProperty("tourniquet.home", "..")).toAbsolutePath().normalize();
        Path stateDir = Files.createTempDirectory(Path.of("target"), "health-stack-");
        stack = LocalStack.start(new LocalStack.Options(home, stateDir, TENANTS, 2, 0, 0, 0, Map.of(), false).withAgentSettings(Map.of(
                "tourniquet.agent.health.probes.owa", "http://127.0.0.1:" + owa.getAddress().getPort() + "/owa/auth/logon.aspx",
                "tourniquet.agent.health.settle", "1s")));
        await().atMost(WAIT).until(() -> LocalStack.settled(stack.summary(), TENANTS.size()));
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
        if (owa != null) {
            owa.stop(0);
        }
    }

    @Test
    void aCanaryWhoseOwaStopsAnsweringAfterTheApplyHaltsTheRolloutNamingTheProbe() throws Exception {
        // M1.1 is taken off acme's servers, then rolled out again in stages: the canary first, then the other server
        setPolicy(Map.of("blockedMitigations", List.of("M1.1")));
        awaitStates("M1.1", List.of("REMOVED", "REMOVED"));
        armed.set(true);
        setPolicy(Map.of("rollout", Map.of("stagePercents", List.of(100))));

        await().atMost(WAIT).untilAsserted(() -> assertThat(rollout("M1.1").get("status")).isEqualTo("HALTED"));
        Map<String, Object> halted = rollout("M1.1");
        assertThat(halted.get("stage")).isEqualTo(0);
        assertThat((String) halted.get("detail")).contains("health regressed after applying on 1 of 1 servers up to stage 0")
                .contains("probe owa (http://127.0.0.1:" + owa.getAddress().getPort() + "/owa/auth/logon.aspx): 200 before, 503 after");

        // the canary keeps M1.1 with the regression said; the other server is held by the halted rollout, never commanded
        awaitStates("M1.1", List.of("APPLIED", "HALTED")); // the audit trail follows the policy's decisions
        List<Map<String, Object>> rows = states("M1.1");
        Map<String, Object> canary = rows.stream().filter(row -> "APPLIED".equals(row.get("state"))).findFirst().orElseThrow();
        assertThat(canary.get("detail")).isEqualTo("health regressed after applying: probe owa (http://127.0.0.1:" + owa.getAddress().getPort()
                + "/owa/auth/logon.aspx): 200 before, 503 after");
        String other = rows.stream().filter(row -> "HALTED".equals(row.get("state"))).map(row -> (String) row.get("serverId")).findFirst().orElseThrow();
        assertThat(stack.auditEvents("acme", "decision.halted")).anySatisfy(event -> {
            assertThat(event.get("serverId")).isEqualTo(other);
            assertThat(event.get("mitigationId")).isEqualTo("M1.1");
        });
    }

    private void setPolicy(Map<String, Object> policy) throws Exception {
        HttpResponse<String> response = StackHttp.client().send(HttpRequest.newBuilder(URI.create(stack.service("policy-service").baseUrl()
                        + "/api/v1/tenants/acme/policy")).header("Authorization", "Bearer " + stack.accessToken())
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(policy))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private Map<String, Object> rollout(String mitigation) throws Exception {
        HttpResponse<String> response = StackHttp.client().send(HttpRequest.newBuilder(URI.create(stack.service("policy-service").baseUrl()
                + "/api/v1/tenants/acme/rollouts")).header("Authorization", "Bearer " + stack.accessToken()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readValue(response.body(), new TypeReference<List<Map<String, Object>>>() { }).stream()
                .filter(r -> mitigation.equals(r.get("mitigationId"))).findFirst().orElse(Map.of());
    }

    private List<Map<String, Object>> states(String mitigation) {
        return stack.states().stream().filter(s -> "acme".equals(s.get("tenantId")) && mitigation.equals(s.get("mitigationId"))).toList();
    }

    private void awaitStates(String mitigation, List<String> expected) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertThat(states(mitigation))
                .extracting(row -> row.get("state")).containsExactlyInAnyOrderElementsOf(expected));
    }
}
