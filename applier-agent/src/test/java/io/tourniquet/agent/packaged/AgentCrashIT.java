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
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import io.tourniquet.agent.messaging.CommandConsumer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged agent is killed with SIGKILL after it changed the server and before it reported; started again, it
 * finds the change made, does not make it twice, and reports it.
 */
class AgentCrashIT {

    private static final String TENANT = "crash-co";
    /** A tenant of its own: its event topic is taken away and put back. */
    private static final String UNREPORTED = "unreported-co";
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static String kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void broker() {
        kafka = KafkaBrokerResource.withTopicsOf(List.of(TENANT, UNREPORTED));
    }

    private ServiceProcess startAgent(String applyLatency) throws IOException {
        return startAgent(TENANT, applyLatency, "60s");
    }

    private ServiceProcess startAgent(String tenant, String applyLatency, String reportTimeout) throws IOException {
        Path keys = Path.of("src/test/resources/keys/test-policy-signing.pub").toAbsolutePath();
        var agent = ServiceProcess.start("agent", JAR, EmbeddedKafkaBroker.freePort(), Map.of(), Map.of(
                "kafka.bootstrap.servers", kafka,
                "tourniquet.agent.report-timeout", reportTimeout,
                "tourniquet.agent.tenant", tenant,
                "tourniquet.agent.servers", "exch01",
                "tourniquet.agent.policy-public-key-files", keys.toString(),
                "tourniquet.agent.publisher-public-key-files", keys.resolveSibling("test-feed-publisher.pub").toString(),
                "tourniquet.agent.state-dir", dir.resolve("state-" + tenant).toString(),
                "tourniquet.agent.simulated.apply-latency", applyLatency),
                Path.of("target/it-logs", dir.getFileName() + "-" + tenant + "-" + applyLatency), "96m"); // kept for diagnosis; this run's only
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

    /**
     * The broker cannot take the result (the tenant's event topic is gone): the agent does not sit there with a dead
     * command channel while its heartbeats look healthy; it exits non-zero for its service manager to restart it, and
     * the restarted agent reports the change it made, without making it again.
     */
    @Test
    void aResultThatCannotBeReportedEndsTheAgentNonZeroAndTheRestartedOneReportsIt() throws Exception {
        ApplyCommand command = Commands.apply(UNREPORTED, "exch01", 1).build();
        var agent = startAgent(UNREPORTED, "0s", "3s");
        try (Admin admin = KafkaClients.plaintext(kafka).admin(Map.of())) {
            admin.deleteTopics(List.of(Topics.agentEvents(UNREPORTED))).all().get(30, TimeUnit.SECONDS);
            TopicRecords.send(kafka, Topics.commands(UNREPORTED), "exch01", Commands.signed(command));

            await().atMost(Duration.ofSeconds(60)).until(() -> !agent.isAlive());
            assertThat(agent.exitValue()).isEqualTo(CommandConsumer.EXIT_STATUS);
            assertThat(Files.readString(agent.log())).contains("could not be carried out and reported");
            assertThat(appliedCount(UNREPORTED)).isEqualTo(1);

            TopicSpec events = Topics.tenant(UNREPORTED).stream().filter(t -> t.name().equals(Topics.agentEvents(UNREPORTED))).findFirst().orElseThrow();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                admin.createTopics(List.of(new NewTopic(events.name(), events.partitions(), (short) 1).configs(events.configs()))).all().get(10, TimeUnit.SECONDS);
                return true;
            });
        } finally {
            agent.close();
        }

        try (var restarted = startAgent(UNREPORTED, "0s", "60s")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> TopicRecords.values(kafka, Topics.agentEvents(UNREPORTED), MitigationApplied.class).stream()
                    .anyMatch(a -> a.getCommand().getCommandId().equals(command.getCommandId())));
            assertThat(appliedCount(UNREPORTED)).as("the change was not made a second time").isEqualTo(1);
            assertThat(restarted.isAlive()).isTrue();
        }
    }

    private long applied(ApplyCommand command) {
        return TopicRecords.values(kafka, Topics.agentEvents(TENANT), MitigationApplied.class).stream()
                .filter(a -> a.getCommand().getCommandId().equals(command.getCommandId())).count();
    }

    /** How often the simulated server saw M1.1 applied, from the file that outlives the agent process. */
    private int appliedCount() throws IOException {
        return appliedCount(TENANT);
    }

    private int appliedCount(String tenant) throws IOException {
        Path file = dir.resolve("state-" + tenant + "/simulated-exch01.properties");
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
