package io.tourniquet.testsupport;

import io.tourniquet.schemas.kafka.KafkaClients;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tourniquet.devstack.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Gives a @QuarkusTest a real Kafka broker: the one named by {@code -Dtourniquet.test.kafka.bootstrap-servers},
 * else a Testcontainers Kafka where a Docker engine runs, else the embedded KRaft broker.
 * One broker per test JVM (one per module's test run), shared by every test class. The central topics, and those
 * of the tenants named in the {@value #TENANTS_ARG} init arg, exist before the application starts.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    /** Init arg: comma-separated tenants whose topics exist before the application starts. */
    public static final String TENANTS_ARG = "tenants";

    private static String bootstrapServers;
    private List<String> tenants = List.of();

    @Override
    public void init(Map<String, String> initArgs) {
        String value = initArgs.getOrDefault(TENANTS_ARG, "");
        tenants = value.isBlank() ? List.of() : List.of(value.split(","));
    }

    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = startBroker();
        }
        return bootstrapServers;
    }

    private static String startBroker() {
        String external = System.getProperty("tourniquet.test.kafka.bootstrap-servers");
        if (external != null && !external.isBlank()) {
            return external;
        }
        if (TestcontainersKafka.dockerAvailable()) {
            return TestcontainersKafka.start();
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(underTarget("kafka-"), 0);
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "embedded-kafka-shutdown"));
        return broker.bootstrapServers();
    }

    /** The shared broker, with the central topics and those of these tenants created (tests of packaged services). */
    public static String withTopicsOf(List<String> tenants) {
        String servers = bootstrapServers();
        List<TopicSpec> specs = new ArrayList<>(Topics.central());
        tenants.forEach(t -> specs.addAll(Topics.tenant(t)));
        try (TopicProvisioner provisioner = new TopicProvisioner(KafkaClients.plaintext(servers), Duration.ofSeconds(30))) {
            provisioner.ensure(specs);
        }
        return servers;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        String servers = bootstrapServers();
        config.put("kafka.bootstrap.servers", servers);
        config.put("quarkus.kafka-streams.bootstrap-servers", servers);
        config.put("quarkus.kafka.devservices.enabled", "false");
        withTopicsOf(tenants);
        // Kafka Streams state must not outlive the broker it was built against.
        config.put("kafka-streams.state.dir", underTarget("streams-").toString());
        return config;
    }

    @Override
    public void stop() {
        // the broker lives as long as the test JVM, so that every test class of the module shares it
    }

    /** A new directory under the module's target/ (the tests' working directory): gone with the build, never left in /tmp. */
    static Path underTarget(String prefix) {
        try {
            Path target = Files.createDirectories(Path.of("target"));
            return Files.createTempDirectory(target, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a directory under target/", e);
        }
    }
}
