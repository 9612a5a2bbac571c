package io.tourniquet.policy.streams;

import io.tourniquet.policy.AgentEventsInput;
import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.policy.TestData;
import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.schemas.crypto.CommandSigner;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.serde.AvroSerde;
import io.tourniquet.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A new mitigation for the whole fleet is decided a batch of servers per transaction, and every server gets it once. */
class FanOutBatchingTest {

    private static final List<String> TENANTS = List.of("tenant-a", "tenant-b", "tenant-c");
    private TopologyTestDriver driver;
    private final Map<String, TestOutputTopic<String, SpecificRecord>> commands = new TreeMap<>();

    @BeforeEach
    void start() throws Exception {
        Properties props = TestData.driverProperties();
        // two servers per transaction: one tenant per batch
        driver = new TopologyTestDriver(PolicyTopology.build(new CommandFactory(new CommandSigner(Ed25519Keys.generate()), Duration.ofDays(7)),
                Duration.ofMinutes(5), 2), props);
        var serde = new AvroSerde();
        for (String tenant : TENANTS) {
            var events = new AgentEventsInput(driver, tenant);
            events.pipeInput("exch01", TestData.server(tenant, "exch01", "15.2.986.5", List.of()));
            events.pipeInput("exch02", TestData.server(tenant, "exch02", "15.2.986.5", List.of()));
            commands.put(tenant, driver.createOutputTopic(Topics.commands(tenant), Serdes.String().deserializer(), serde.deserializer()));
        }
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aFleetWideMitigationIsDecidedOneBatchPerPunctuationUntilEveryServerHasItsCommand() {
        driver.createInputTopic(Topics.MITIGATIONS, Serdes.String().serializer(), new AvroSerde().serializer()).pipeInput("M1.1", TestData.m11());
        assertThat(commandsPerTenant()).as("decided at once: the first batch").containsExactly(2, 0, 0);

        driver.advanceWallClockTime(Duration.ofMillis(20));
        assertThat(commandsPerTenant()).as("the next batch after a commit").containsExactly(0, 2, 0);

        driver.advanceWallClockTime(Duration.ofMillis(20));
        assertThat(commandsPerTenant()).containsExactly(0, 0, 2);

        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(commandsPerTenant()).as("nothing pending, nothing sent twice").containsExactly(0, 0, 0);
    }

    private List<Integer> commandsPerTenant() {
        return commands.values().stream().map(topic -> topic.readKeyValuesToList().size()).toList();
    }
}
