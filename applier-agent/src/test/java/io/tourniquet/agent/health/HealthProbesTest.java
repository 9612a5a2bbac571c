package io.tourniquet.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.sun.net.httpserver.HttpServer;
import io.tourniquet.agent.Commands;
import io.tourniquet.agent.backend.BackendException;
import io.tourniquet.agent.backend.SimulatedBackend;
import io.tourniquet.agent.domain.AgentStateStore;
import io.tourniquet.agent.domain.LocalControlStore;
import io.tourniquet.agent.domain.ServerAgent;
import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.HealthProbe;
import io.tourniquet.schemas.HealthStatus;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationDefinition;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent probes a real local HTTP server standing in for Exchange's endpoints (OWA's sign-in page 200, ECP 302,
 * EWS 401 as Exchange answers anonymous requests) before and after applying, and reports the verdict with the result.
 */
class HealthProbesTest {

    private HttpServer exchange;
    /** Status each path answers with; a path's value can change when the mitigation is applied. */
    private final Map<String, Integer> statuses = new ConcurrentHashMap<>(Map.of("/owa/auth/logon.aspx", 200, "/ecp/", 302, "/EWS/Exchange.asmx", 401));
    private final AtomicInteger owaRequests = new AtomicInteger();

    @BeforeEach
    void startExchange() throws IOException {
        exchange = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        exchange.createContext("/", http -> {
            if (http.getRequestURI().getPath().startsWith("/owa/")) {
                owaRequests.incrementAndGet();
            }
            http.sendResponseHeaders(statuses.getOrDefault(http.getRequestURI().getPath(), 404), -1);
            http.close();
        });
        exchange.start();
    }

    @AfterEach
    void stopExchange() {
        exchange.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + exchange.getAddress().getPort() + path);
    }

    private HealthProbes probes(Duration settle) {
        return new HealthProbes(List.of(new HealthProbes.Probe("owa", url("/owa/auth/logon.aspx")), new HealthProbes.Probe("ecp", url("/ecp/")),
                new HealthProbes.Probe("ews", url("/EWS/Exchange.asmx"))), Duration.ofSeconds(2), settle);
    }

    /** An agent whose backend runs {@code effect} on the server when it applies, as a real change would. */
    private ServerAgent agent(Path stateDir, HealthProbes probes, Runnable effect) {
        var backend = new SimulatedBackend(0, new Random(1)) {
            @Override
            public ChangeEvidence apply(MitigationDefinition definition) throws BackendException {
                ChangeEvidence evidence = super.apply(definition);
                effect.run();
                return evidence;
            }
        };
        return new ServerAgent(new ServerAgent.Identity("tenant-a", "exch01", "Exchange", "test"), Commands.gate(), backend,
                new AgentStateStore(Optional.of(stateDir)), new LocalControlStore(Optional.of(stateDir)), probes);
    }

    private MitigationApplied apply(ServerAgent agent) {
        return (MitigationApplied) agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).build()));
    }

    @Test
    void aMitigationThatBreaksOwaIsReportedAppliedWithTheProbeThatRegressedAndStaysInForce(@TempDir Path stateDir) {
        var agent = agent(stateDir, probes(Duration.ofSeconds(1)), () -> statuses.put("/owa/auth/logon.aspx", 503));
        MitigationApplied applied = apply(agent);

        assertThat(applied.getHealth().getStatus()).isEqualTo(HealthStatus.REGRESSED);
        assertThat(applied.getHealth().getSummary()).startsWith("probe owa (" + url("/owa/auth/logon.aspx") + "): 200 before, 503 after")
                .doesNotContain("ecp").doesNotContain("ews");
        assertThat(applied.getHealth().getProbes()).extracting(HealthProbe::getName, HealthProbe::getBefore, HealthProbe::getAfter, HealthProbe::getRegressed)
                .containsExactly(tuple("owa", "200", "503", true), tuple("ecp", "302", "302", false),
                        tuple("ews", "401", "401", false));
        assertThat(agent.inventory().getAppliedMitigations()).as("never removed by the agent because of a probe").containsExactly("M1.1");
    }

    @Test
    void aProbeThatAnswersAgainWhileIisRecyclesIsHealthy(@TempDir Path stateDir) {
        // 503 for the two requests after the change, then 200 again: an application pool recycling
        AtomicInteger after = new AtomicInteger();
        var recycling = agent(stateDir, probes(Duration.ofSeconds(10)), () -> {
            statuses.put("/owa/auth/logon.aspx", 503);
            after.set(owaRequests.get());
            exchange.createContext("/owa/", http -> {
                int n = owaRequests.incrementAndGet() - after.get();
                http.sendResponseHeaders(n <= 2 ? 503 : 200, -1);
                http.close();
            });
        });
        MitigationApplied applied = apply(recycling);
        assertThat(applied.getHealth().getStatus()).isEqualTo(HealthStatus.HEALTHY);
        assertThat(applied.getHealth().getProbes()).filteredOn(p -> p.getName().equals("owa")).singleElement()
                .satisfies(p -> assertThat(p.getAfter()).isEqualTo("200"));
        assertThat(owaRequests.get() - after.get()).as("asked again until it answered").isEqualTo(3);
    }

    @Test
    void anEndpointDownBeforeTheChangeIsNotARegression(@TempDir Path stateDir) throws IOException {
        int nothingListens;
        try (ServerSocket socket = new ServerSocket(0)) {
            nothingListens = socket.getLocalPort();
        }
        var probes = new HealthProbes(List.of(new HealthProbes.Probe("activesync", URI.create("http://127.0.0.1:" + nothingListens + "/Microsoft-Server-ActiveSync")),
                new HealthProbes.Probe("owa", url("/owa/auth/logon.aspx"))), Duration.ofSeconds(2), Duration.ofSeconds(1));
        MitigationApplied applied = apply(agent(stateDir, probes, () -> { }));
        assertThat(applied.getHealth().getStatus()).isEqualTo(HealthStatus.HEALTHY);
        assertThat(applied.getHealth().getProbes().get(0)).satisfies(p -> {
            assertThat(p.getBefore()).isEqualTo("connection refused");
            assertThat(p.getRegressed()).isFalse();
        });
    }

    @Test
    void withoutProbesTheResultSaysNotProbed(@TempDir Path stateDir) {
        MitigationApplied applied = apply(agent(stateDir, HealthProbes.NONE, () -> { }));
        assertThat(applied.getHealth().getStatus()).isEqualTo(HealthStatus.NOT_PROBED);
        assertThat(applied.getHealth().getSummary()).contains("tourniquet.agent.health.probes");
    }
}
