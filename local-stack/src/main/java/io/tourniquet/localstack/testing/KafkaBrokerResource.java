package io.tourniquet.localstack.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.tourniquet.localstack.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * Gives a @QuarkusTest a real Kafka broker: the one named by {@code -Dtourniquet.test.kafka.bootstrap-servers},
 * else a Testcontainers Kafka where a Docker engine runs, else the embedded KRaft broker.
 * One broker per test JVM (one per module's test run), shared by every test class.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    private static String bootstrapServers;

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
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "embedded-kafka-shutdown"));
        return broker.bootstrapServers();
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        String servers = bootstrapServers();
        config.put("kafka.bootstrap.servers", servers);
        config.put("quarkus.kafka-streams.bootstrap-servers", servers);
        config.put("quarkus.kafka.devservices.enabled", "false");
        try {
            // Kafka Streams state must not outlive the broker it was built against.
            config.put("kafka-streams.state.dir", Files.createTempDirectory("tourniquet-streams-").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }

    @Override
    public void stop() {
        // the broker lives as long as the test JVM, so that every test class of the module shares it
    }
}
