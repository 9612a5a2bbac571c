package io.tourniquet.agent.packaged;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tourniquet.agent.Commands;
import io.tourniquet.devstack.EmbeddedKafkaBroker;
import io.tourniquet.devstack.ServiceProcess;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged agent is killed with SIGKILL after it changed the server and before it reported; started again, it
 * finds the change made, does not make it twice, and reports it.
 */
class AgentCrashIT {

    private static final String TENANT = "crash-co";
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static String kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void broker() {
        kafka = KafkaBrokerResource.withTopicsOf(List.of(TENANT));
    }

    private ServiceProcess startAgent(String applyLatency) throws IOException {
        Path keys = Path.of("src/test/resources/keys/test-policy-signing.pub").toAbsolutePath();
        var agent = ServiceProcess.start("agent", JAR, EmbeddedKafkaBroker.freePort(), Map.of(), Map.of(
                "kafka.bootstrap.servers", kafka,
                "tourniquet.agent.tenant", TENANT,
                "tourniquet.agent.servers", "exch01",
                "tourniquet.agent.policy-public-key-files", keys.toString(),
                "tourniquet.agent.publisher-public-key-files", keys.resolveSibling("test-feed-publisher.pub").toString(),
                "tourniquet.agent.state-dir", dir.resolve("state").toString(),
                "tourniquet.agent.simulated.apply-latency", applyLatency),
                Path.of("target/it-logs/agent-crash-" + applyLatency), "96m"); // kept for diagnosis
        agent.awaitReady(Duration.ofSeconds(60));
        return agent;
    }

    @Test
    void killedBetweenApplyAndReportItAppliesExactlyOnceAndReportsAfterRestart() throws Exception {
        ApplyCommand command = Commands.apply(TENANT, "exch01", 1).build();
        var agent = startAgent("1h"); // the change is made, then the agent "verifies" for an hour: time to kill it
        try {
            TopicRecords.send(kafka, Topics.commands(TENANT), "exch01", Commands.signed(command));
            await().atMost(Duration.ofSeconds(30)).until(() -> appliedCount() == 1);
            agent.kill();
        } finally {
            agent.close();
        }
        assertThat(applied(command)).as("nothing reported before the crash").isZero();

        try (var restarted = startAgent("0s")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> applied(command) == 1);
            TopicRecords.assertStaysAt(kafka, Topics.agentEvents(TENANT), r -> r.value() instanceof MitigationApplied a
                    && a.getCommand().getCommandId().equals(command.getCommandId()), 1); // reported once, not again later
            assertThat(appliedCount()).as("the change was not made a second time").isEqualTo(1);
            assertThat(TopicRecords.values(kafka, Topics.agentEvents(TENANT), MitigationApplied.class))
                    .filteredOn(a -> a.getCommand().getCommandId().equals(command.getCommandId()))
                    .singleElement()
                    .satisfies(a -> assertThat(a.getEvidence().getChanges()).anyMatch(c -> c.contains("not executed again")));
            assertThat(restarted.isAlive()).isTrue();
        }
    }

    private long applied(ApplyCommand command) {
        return TopicRecords.values(kafka, Topics.agentEvents(TENANT), MitigationApplied.class).stream()
                .filter(a -> a.getCommand().getCommandId().equals(command.getCommandId())).count();
    }

    /** How often the simulated server saw M1.1 applied, from the file that outlives the agent process. */
    private int appliedCount() throws IOException {
        Path file = dir.resolve("state/simulated-exch01.properties");
        if (!Files.exists(file)) {
            return 0;
        }
        Properties properties = new Properties();
        try (var in = Files.newInputStream(file)) {
            properties.load(in);
        }
        return Integer.parseInt(properties.getProperty("applied-count.M1.1", "0"));
    }

}
