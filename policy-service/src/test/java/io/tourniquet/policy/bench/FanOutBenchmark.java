package io.tourniquet.policy.bench;

import io.tourniquet.policy.AgentEventsInput;
import io.tourniquet.policy.TestData;
import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.policy.streams.PolicyTopology;
import io.tourniquet.schemas.crypto.CommandSigner;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.serde.AvroSerde;
import io.tourniquet.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * How long the policy topology takes to turn one new mitigation into a signed command for each of N servers in T
 * tenants: decision, signing and state updates, in one thread, without Kafka's network and disk (the whole pipeline
 * is measured by ./tourniquet bench). Not a test: run with
 * {@code java -cp <test classpath> io.tourniquet.policy.bench.FanOutBenchmark [tenants] [serversPerTenant]}.
 */
public final class FanOutBenchmark {

    private FanOutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int tenants = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int perTenant = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Properties props = TestData.driverProperties();
        var factory = new CommandFactory(new CommandSigner(Ed25519Keys.generate()), Duration.ofDays(7));
        try (var driver = new TopologyTestDriver(PolicyTopology.build(factory, Duration.ofMinutes(5), Integer.MAX_VALUE), props)) {
            var serde = new AvroSerde();
            var mitigations = driver.createInputTopic(Topics.MITIGATIONS, Serdes.String().serializer(), serde.serializer());
            for (int t = 0; t < tenants; t++) {
                String tenant = "tenant-" + t;
                var events = new AgentEventsInput(driver, tenant);
                for (int s = 0; s < perTenant; s++) {
                    events.pipeInput("exch" + s, TestData.server(tenant, "exch" + s, "15.2.986.5", List.of()));
                }
            }
            for (int round = 0; round < 3; round++) {
                var published = TestData.m11();
                published.getDefinition().setId("M" + round);
                published.setDefinitionDigest(io.tourniquet.schemas.crypto.Digests.of(published.getDefinition()));
                long start = System.nanoTime();
                mitigations.pipeInput(published.getDefinition().getId(), published);
                long millis = (System.nanoTime() - start) / 1_000_000;
                long commands = 0;
                for (int t = 0; t < tenants; t++) {
                    commands += driver.createOutputTopic(Topics.commands("tenant-" + t), Serdes.String().deserializer(), serde.deserializer())
                            .getQueueSize();
                }
                System.out.printf("round %d: one mitigation -> %d signed commands for %d servers in %d tenants in %d ms (%.0f commands/s)%n",
                        round, commands / (round + 1), tenants * perTenant, tenants, millis, 1000.0 * tenants * perTenant / Math.max(1, millis));
            }
        }
    }
}
