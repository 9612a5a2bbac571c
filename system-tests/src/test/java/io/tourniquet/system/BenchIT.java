package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.localstack.Bench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The benchmark, once, at a tiny size: it runs end to end and writes every figure it promises (timings are not asserted). */
class BenchIT {

    @Test
    void theBenchmarkRunsAtATinySizeAndWritesItsFigures() throws Exception {
        Path home = Path.of(System.getProperty("tourniquet.home", "..")).toAbsolutePath().normalize();
        Path out = Files.createTempDirectory(Path.of("target"), "bench-").resolve("figures.json");
        new Bench(System.out).run(new Bench.Options(home, 2, 3, 0, Duration.ZERO, 0, null, out));

        JsonNode figures = new ObjectMapper().readTree(out.toFile());
        JsonNode run = figures.path("oneMitigation");
        assertThat(run.path("servers").asInt()).isEqualTo(6);
        assertThat(run.path("applied").asInt()).as("every server applied the mitigation").isEqualTo(6);
        assertThat(run.path("timeToMitigateMs").path("count").asInt()).isEqualTo(6);
        assertThat(run.path("timeToMitigateMs").has("p99")).isTrue();
        assertThat(run.path("stages").path("policyFanOutMs").path("count").asInt()).isEqualTo(6);
        assertThat(run.path("stages").path("auditStoredMs (last result -> every applied row stored)").isNumber()).isTrue();
        assertThat(figures.path("rawKafka").path("consumePerSecond").asDouble()).isPositive();
        assertThat(figures.path("processes").path("policy-service").path("peakRssMb").asLong()).isPositive();
    }
}
