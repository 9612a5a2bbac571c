package io.tourniquet.policy.streams;

import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.kafka.ProducerTopics;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.jboss.logging.Logger;

/**
 * Kafka Streams' clients, as Streams makes them, except that each new producer learns the partitions of every
 * tenant's command topic in the background right away. Otherwise the first command to each tenant after a start
 * blocks the stream thread on a metadata round trip (at least retry.backoff.ms): measured in the 10,000-server bench,
 * the first mitigation after a start spent 37 s of its fan-out waiting there, one tenant at a time.
 */
@ApplicationScoped
public class CommandTopicMetadataWarmer implements KafkaClientSupplier {

    private static final Logger LOG = Logger.getLogger(CommandTopicMetadataWarmer.class);

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        Thread warmer = new Thread(() -> warm(producer, config), "command-topic-metadata");
        warmer.setDaemon(true);
        warmer.start();
        return producer;
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return getConsumer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return getConsumer(config);
    }

    private static void warm(Producer<byte[], byte[]> producer, Map<String, Object> producerConfig) {
        long start = System.nanoTime();
        try (Admin admin = KafkaClients.of(producerConfig).admin(Map.of(AdminClientConfig.CLIENT_ID_CONFIG, "tourniquet-command-topic-metadata"))) {
            List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream().filter(t -> t.startsWith(Topics.COMMANDS_PREFIX)).toList();
            ProducerTopics.learn(producer, topics, Duration.ofMinutes(5));
            LOG.infof("partitions of %d command topics known in %d ms", topics.size(), Duration.ofNanos(System.nanoTime() - start).toMillis());
        } catch (Exception e) {
            // only an optimisation: the stream thread looks each topic up itself when it first sends there
            LOG.warnf("could not look up the command topics ahead of time: %s", e.toString());
        }
    }
}
