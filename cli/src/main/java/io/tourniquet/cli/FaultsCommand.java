package io.tourniquet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.bench.FaultSuite;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** ./tourniquet faults: the fault suite of docs/RELIABILITY.md; the table printed, the figures written as JSON. */
@Command(name = "faults", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The packaged services, a simulated fleet and one real agent driven through each fault of docs/RELIABILITY.md "
                + "(every broker killed, the command topic's leader killed on a three-broker cluster, a policy instance killed, audit killed, PostgreSQL stopped, poison records, agent killed, services "
                + "started and stopped with the broker down), counting per fault what was lost, applied twice or missing from the "
                + "audit trail. Exit status 1 when any fault lost or duplicated anything. About 8 minutes at the default size."})
final class FaultsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--brokers", paramLabel = "N", defaultValue = "3",
            description = "1: one broker; 3: a cluster (replication factor 3, min.insync.replicas=2) and the leader-killed fault (default: ${DEFAULT-VALUE})")
    int brokers;

    @Option(names = "--tenants", paramLabel = "N", defaultValue = "20", description = "tenants (default: ${DEFAULT-VALUE})")
    int tenants;

    @Option(names = "--servers", paramLabel = "M", defaultValue = "50", description = "simulated servers per tenant (default: ${DEFAULT-VALUE})")
    int servers;

    @Option(names = "--postgres-down-seconds", paramLabel = "S", defaultValue = "60", description = "how long PostgreSQL stays stopped (default: ${DEFAULT-VALUE})")
    long postgresDown;

    @Option(names = "--broker-down-seconds", paramLabel = "S", defaultValue = "10", description = "how long the killed broker stays down (default: ${DEFAULT-VALUE})")
    long brokerDown;

    @Option(names = "--start-timeout-seconds", paramLabel = "S", defaultValue = "30",
            description = "how long a service started with the broker down waits for it before exiting (default: ${DEFAULT-VALUE}, as the services)")
    long startTimeout;

    @Option(names = "--stop-timeout-seconds", paramLabel = "S", defaultValue = "20",
            description = "how long a policy service asked to stop with the broker down takes at most before it halts (default: ${DEFAULT-VALUE}, as the service)")
    long stopTimeout;

    @Option(names = "--only", paramLabel = "FAULT", split = ",", description = "run only these faults (of: none, broker-killed, leader-killed, policy-instance-killed, "
            + "audit-killed, postgres-stopped, poison-records, agent-killed, broker-down-start-stop)")
    List<String> only = List.of();

    @Option(names = "--out", paramLabel = "FILE.json", description = "where the figures go (default: fault-results/faults-<time>.json)")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (brokers != 1 && brokers != 3) {
            throw new IllegalArgumentException("--brokers must be 1 or 3");
        }
        if (tenants < 1 || servers < 1 || postgresDown < 1 || brokerDown < 0 || startTimeout < 1 || stopTimeout < 1) {
            throw new IllegalArgumentException("--tenants and --servers must be at least 1, --postgres-down-seconds at least 1, --broker-down-seconds at least 0, "
                    + "--start-timeout-seconds and --stop-timeout-seconds at least 1");
        }
        for (String fault : only) {
            if (!FaultSuite.FAULTS.contains(fault)) {
                throw new IllegalArgumentException("unknown fault " + fault + "; known: " + String.join(", ", FaultSuite.FAULTS));
            }
        }
        Path home = Cli.home();
        Path file = out != null ? out : home.resolve("fault-results").resolve("faults-" + Instant.now().toString().replace(':', '-') + ".json");
        new FaultSuite(System.out).run(new FaultSuite.Options(home, brokers, tenants, servers, Duration.ofSeconds(postgresDown), Duration.ofSeconds(brokerDown),
                Duration.ofSeconds(startTimeout), Duration.ofSeconds(stopTimeout), Set.copyOf(only), file));
        spec.commandLine().getOut().println("figures written to " + file);
        JsonNode figures = new ObjectMapper().readTree(file.toFile());
        boolean survived = figures.path("wholeRun").path("appliedTwice").asLong(-1) == 0 && figures.path("wholeRun").path("lost").asLong(-1) == 0;
        for (JsonNode outcome : figures.path("faults")) {
            survived &= FaultSuite.survived(outcome);
        }
        return survived ? Cli.OK : Cli.FAILED;
    }
}
