package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tourniquet.devstack.LocalStack;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.security.KafkaAcls;
import io.tourniquet.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The packaged services, started as ./tourniquet up starts them, on a real broker: the bundled catalog published by
 * the feed-ingestor must end as an 'applied' record in the audit service for every simulated server, for exactly
 * the mitigations that concern the servers' Exchange build. Run once per database the audit service supports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PipelineScenario {

    private static final List<String> TENANTS = List.of("acme", "globex");
    LocalStack stack;

    /** The audit service's database settings (empty: its embedded default). */
    abstract Map<String, String> auditDatabase();

    /** After the stack has stopped. */
    void cleanUp() throws Exception {
    }

    @BeforeAll
    void start() throws Exception {
        Path home = Path.of(System.getProperty("tourniquet.home", "..")).toAbsolutePath().normalize();
        Path stateDir = Files.createTempDirectory(Path.of("target"), "stack-");
        stack = LocalStack.start(new LocalStack.Options(home, stateDir, TENANTS, 2, 0, 0, 0, auditDatabase(), false));
    }

    @AfterAll
    void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
        cleanUp();
    }

    @Test
    void everyServerEndsWithTheApplicableMitigationsAppliedInTheAuditTrail() {
        // Simulated servers run Exchange 2019 CU11 (15.2.986.5): PING1, M1.1 and M2.1 concern them; EOMT1 (ProxyLogon) does not.
        Map<String, String> expected = Map.of("PING1", "APPLIED", "M1.1", "APPLIED", "M2.1", "APPLIED");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, Map<String, Object>> byServer = stack.states().stream().collect(Collectors.groupingBy(
                    s -> s.get("tenantId") + "/" + s.get("serverId"),
                    Collectors.toMap(s -> (String) s.get("mitigationId"), s -> s.get("state"))));
            assertThat(byServer).containsOnlyKeys("acme/exch01", "acme/exch02", "globex/exch01", "globex/exch02");
            assertThat(byServer.values()).allSatisfy(states -> assertThat(states).isEqualTo(expected));
        });
        assertThat(LocalStack.settled(stack.summary(), TENANTS.size())).isTrue();
    }

    /**
     * The Kaseya VSA lesson: a foothold on the network, or one customer's agent credentials, must not command every
     * server. On the stack's broker an anonymous client cannot even connect, and acme's agent principal can neither
     * publish a mitigation nor write another tenant's commands.
     */
    @Test
    void neitherAnAnonymousClientNorATenantsAgentCanPublishAMitigationOrCommand() {
        assertThat(stack.secured()).as("./tourniquet up's broker is secured by default").isTrue();
        Map<String, Object> quick = Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        byte[] forged = "forged".getBytes(StandardCharsets.UTF_8);
        try (var anonymous = KafkaClients.plaintext(stack.bootstrapServers()).producer(quick, new StringSerializer(), new ByteArraySerializer())) {
            assertThatThrownBy(() -> anonymous.send(new ProducerRecord<>(Topics.MITIGATIONS, "M9", forged)).get())
                    .as("no TLS and SCRAM: no connection").isNotNull();
        }
        try (var agent = stack.kafkaAs(KafkaAcls.agent("acme")).producer(quick, new StringSerializer(), new ByteArraySerializer())) {
            assertThatThrownBy(() -> agent.send(new ProducerRecord<>(Topics.MITIGATIONS, "M9", forged)).get())
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> agent.send(new ProducerRecord<>(Topics.commands("globex"), "exch01", forged)).get())
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }
}
