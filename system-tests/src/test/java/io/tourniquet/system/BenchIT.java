package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.bench.Bench;
import io.tourniquet.devstack.JvmTuning;
import io.tourniquet.devstack.PostgresSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmark, once, at a tiny size, with the audit service on this machine's PostgreSQL (as the published figures
 * are measured): every scenario runs end to end and every promised figure is written (timings are not asserted; they
 * belong to the benchmark's report, not to the test suite).
 */
class BenchIT {

    private static final String POSTGRES_URL = System.getProperty("tourniquet.test.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test");

    @Test
    void theBenchmarkRunsEveryScenarioAtATinySizeAndWritesItsFigures() throws Exception {
        Path home = Path.of(System.getProperty("tourniquet.home", "..")).toAbsolutePath().normalize();
        Path out = Files.createTempDirectory(Path.of("target"), "bench-").resolve("figures.json");
        // 2 tenants x 3 simulated servers and a real agent process each, scenario tenants of 4 servers with 1 canary, half the
        // regular tenants offline, 300 audit events
        new Bench(System.out).run(new Bench.Options(home, 2, 3, 4, 1, 0, Duration.ZERO, 0, 0.5, 2, 300, Duration.ofSeconds(2),
                POSTGRES_URL, out, false, 1, JvmTuning.SMALL));

        JsonNode figures = new ObjectMapper().readTree(out.toFile());
        JsonNode run = figures.path("oneMitigation");
        assertThat(figures.path("kafkaSecurity").asText()).as("on the broker ./tourniquet up runs").startsWith("TLS + SCRAM-SHA-512 + ACLs");
        assertThat(figures.path("fleet").path("model").asText()).contains("a consumer in a group of its own per tenant", "forced to disk");
        assertThat(figures.path("kafka").asText()).isEqualTo("one broker in the bench's process, replication factor 1");
        assertThat(figures.path("firstMitigationAfterStart").path("applied").asInt()).as("the first mitigation too").isEqualTo(8);
        assertThat(run.path("servers").asInt()).isEqualTo(8);
        assertThat(run.path("applied").asInt()).as("every regular server applied the mitigation, the real agents too").isEqualTo(8);
        assertThat(run.path("timeToMitigateMs").path("count").asInt()).isEqualTo(8);
        assertThat(run.path("timeToMitigateMs").has("p99")).isTrue();
        assertThat(run.path("realAgents").path("timeToMitigateMs").path("count").asInt()).as("reported on their own").isEqualTo(2);
        assertThat(run.path("stages").path("ingestMs").asLong()).as("the mitigation went through the feed-ingestor").isPositive();
        assertThat(run.path("stages").path("policyFanOutMs").path("count").asInt()).isEqualTo(8);
        assertThat(run.path("stages").path("agentApplyMs").path("count").asInt()).isEqualTo(8);
        assertThat(run.path("stages").path("auditStoredMs").isNumber()).isTrue();
        assertThat(run.path("throughput").path("pipelineShareOfRawKafkaPercent").asDouble()).isPositive();
        assertThat(run.path("timeToMitigateAsMultipleOfRawKafka").path("p99").asDouble()).isPositive();
        assertThat(figures.path("firstMitigationAfterStart").path("timeToMitigateAsMultipleOfRawKafka").path("p99").asDouble()).isPositive();
        assertThat(figures.path("machine").path("loadAverageBefore").asText()).matches("[\\d.]+ [\\d.]+ [\\d.]+");

        JsonNode restarted = figures.path("firstMitigationAfterPolicyRestart");
        assertThat(restarted.path("applied").asInt()).as("after the policy service alone restarted: %s", restarted).isEqualTo(8);
        assertThat(restarted.path("policyStopToReadyMs").asLong()).isPositive();
        assertThat(restarted.path("timeToMitigateAsMultipleOfRawKafka").path("p99").asDouble()).isPositive();

        JsonNode rollout = figures.path("stagedRollout");
        assertThat(rollout.path("applied").asInt()).isEqualTo(4);
        assertThat(rollout.path("othersCommandedAfterCanariesApplied").asBoolean()).as("canaries first: %s", rollout).isTrue();

        assertThat(figures.path("serviceJvm").asText()).as("the services' JVM settings are said").startsWith("small: serial GC, C1 only");
        JsonNode unblock = figures.path("unblockOneTenant");
        assertThat(unblock.path("commandedWhileBlocked").asInt()).as("nothing sent while blocked").isZero();
        assertThat(unblock.path("timeToMitigateMs").path("count").asInt()).isEqualTo(4);

        JsonNode offline = figures.path("offlineComeBack");
        assertThat(offline.path("complete").asBoolean()).isTrue();
        assertThat(offline.path("cameBackTimeToMitigateMs").path("count").asLong()).isEqualTo(offline.path("offline").asLong());

        assertThat(figures.path("auditIngest").path("embedded").path("stored").asInt()).isGreaterThanOrEqualTo(300);
        assertThat(figures.path("auditIngest").path("embedded").path("eventsPerSecond").asDouble()).isPositive();
        JsonNode postgres = figures.path("auditIngest").path("postgresql");
        assertThat(postgres.path("stored").asInt()).as("%s", postgres).isGreaterThanOrEqualTo(300);
        assertThat(postgres.path("publishedAsCloudEvents").asInt()).as("every stored event's CloudEvent counted: %s", postgres)
                .isGreaterThanOrEqualTo(postgres.path("stored").asInt());
        assertThat(postgres.path("storedEventsPerSecond").asDouble()).isGreaterThanOrEqualTo(postgres.path("eventsPerSecond").asDouble());
        assertThat(postgres.path("rowsInPostgres").asLong()).as("counted in PostgreSQL itself").isGreaterThanOrEqualTo(300);
        String pipelineSchema = figures.path("auditDatabase").path("postgresqlSchema").asText();
        assertThat(pipelineSchema).startsWith("bench_");
        for (String schema : List.of(postgres.path("schema").asText(), pipelineSchema)) {
            assertThat(new PostgresSchema(POSTGRES_URL, "postgres", schema).exists()).as("schema %s left behind", schema).isFalse();
        }
        assertThat(figures.path("rawKafka").path("withFleetIdle").path("serversPerSecond").asDouble()).isPositive();
        JsonNode raw = figures.path("rawKafka").path("fleetStopped");
        assertThat(raw.path("records").asInt()).as("a command and a result per regular server").isEqualTo(12);
        assertThat(raw.path("recordBytes").path("command").asInt()).as("the pipeline's measured command size").isGreaterThan(100);
        assertThat(raw.path("recordBytes").path("result").asInt()).isGreaterThan(100);
        assertThat(raw.path("fleetTimeMs").asLong()).isPositive();
        assertThat(raw.path("serversPerSecond").asDouble()).isPositive();
        String chart = Files.readString(out.resolveSibling(figures.path("chart").asText()));
        assertThat(chart).startsWith("<svg").contains("steady state: time to mitigate", "after a policy restart: time to mitigate", "first mitigation after start: - agent apply",
                "offline come back: after coming back");
        assertThat(out.resolveSibling("figures.html")).exists();
        assertThat(figures.path("processes").path("policy-service").path("peakRssMb").asLong()).isPositive();
        assertThat(figures.path("agentFootprint").path("appliedEveryMitigation").asBoolean()).isTrue();
        assertThat(figures.path("agentFootprint").path("rssMb").asLong()).isPositive();
    }
}
