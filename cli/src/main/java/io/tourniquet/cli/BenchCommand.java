package io.tourniquet.cli;

import io.tourniquet.bench.Bench;
import io.tourniquet.devstack.JvmTuning;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** ./tourniquet bench: the whole pipeline on a fresh broker with a simulated fleet; figures printed and written as JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The whole pipeline on a fresh embedded broker with a simulated fleet: time to mitigate and its stages, "
                + "staged rollout, unblock, offline servers back, audit ingest, raw Kafka, CPU, RSS, one real agent's idle "
                + "footprint (see docs/BENCHMARKS.md). About 7 minutes at the default size."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--tenants", paramLabel = "N", defaultValue = "500", description = "regular tenants (default: ${DEFAULT-VALUE})")
    int tenants;

    @Option(names = "--servers", paramLabel = "M", defaultValue = "20", description = "servers per regular tenant (default: ${DEFAULT-VALUE})")
    int servers;

    @Option(names = "--scenario-servers", paramLabel = "N", defaultValue = "200",
            description = "servers of each scenario tenant, rollout and unblock (default: ${DEFAULT-VALUE})")
    int scenarioServers;

    @Option(names = "--canaries", paramLabel = "N", defaultValue = "10", description = "canary servers of the rollout tenant (default: ${DEFAULT-VALUE})")
    int canaries;

    @Option(names = "--offline", paramLabel = "SHARE", defaultValue = "0.1", description = "share of the regular tenants taken offline (their consumers closed) and back (default: ${DEFAULT-VALUE})")
    double offline;

    @Option(names = "--real-agents", paramLabel = "N", defaultValue = "20",
            description = "real applier-agent processes in the fleet, one server each in the first regular tenants (default: ${DEFAULT-VALUE})")
    int realAgents;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "0", description = "pad each mitigation to this size; 0: as it is")
    int recordSize;

    @Option(names = "--apply-latency-ms", paramLabel = "MS", defaultValue = "0", description = "time each simulated apply takes")
    long applyLatencyMs;

    @Option(names = "--failure-rate", paramLabel = "RATE", defaultValue = "0", description = "share of simulated applies that fail")
    double failureRate;

    @Option(names = "--audit-events", paramLabel = "N", defaultValue = "50000", description = "backlog for the audit ingest figure (default: ${DEFAULT-VALUE})")
    int auditEvents;

    @Option(names = "--idle-seconds", paramLabel = "S", defaultValue = "60", description = "how long one real agent is watched idle (default: ${DEFAULT-VALUE})")
    long idleSeconds;

    @Option(names = "--postgres", paramLabel = "JDBC-URL", description = "also measure the audit service on PostgreSQL, e.g. "
            + "jdbc:postgresql://127.0.0.1:5432/test (user postgres; a schema of its own, dropped afterwards)")
    String postgres;

    @Option(names = "--plaintext-kafka", description = "run on a plaintext broker (no TLS, SCRAM or ACLs), to measure what security costs")
    boolean plaintextKafka;

    @Option(names = "--brokers", paramLabel = "N", defaultValue = "1",
            description = "1: one embedded broker (replication factor 1); 3: three broker processes, replication factor 3, min.insync.replicas=2")
    int brokers;

    @Option(names = "--service-jvm", paramLabel = "TUNING", defaultValue = "small",
            description = "JVM settings of the services: small (serial GC, C1 only, as ./tourniquet up) or container (parallel GC, C1 and C2, "
                    + "as their container images) (default: ${DEFAULT-VALUE})")
    String serviceJvm;

    @Option(names = "--out", paramLabel = "FILE.json", description = "where the figures go (default: bench-results/bench-<time>.json)")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (brokers != 1 && brokers != 3) {
            throw new IllegalArgumentException("--brokers is 1 or 3");
        }
        if (tenants < 1 || servers < 1 || scenarioServers < 1 || canaries < 0 || realAgents < 0 || offline < 0 || offline > 1 || failureRate < 0 || failureRate > 1) {
            throw new IllegalArgumentException("sizes must be at least 1, --canaries and --real-agents at least 0, --offline and --failure-rate between 0 and 1");
        }
        JvmTuning tuning = JvmTuning.ofLabel(serviceJvm);
        Path home = Cli.home();
        Path file = out != null ? out : home.resolve("bench-results").resolve("bench-" + Instant.now().toString().replace(':', '-') + ".json");
        var options = new Bench.Options(home, tenants, servers, scenarioServers, canaries, recordSize, Duration.ofMillis(applyLatencyMs),
                failureRate, offline, realAgents, auditEvents, Duration.ofSeconds(idleSeconds), postgres, file, plaintextKafka, brokers, tuning);
        var figures = new Bench(System.out).run(options); // progress as it goes
        var writer = spec.commandLine().getOut();
        writer.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(figures));
        writer.println("figures written to " + file);
        return Cli.OK;
    }
}
