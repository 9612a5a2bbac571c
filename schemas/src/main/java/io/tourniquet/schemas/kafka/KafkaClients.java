package io.tourniquet.schemas.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The one way a raw Kafka client is made: from the settings every client of the process shares (bootstrap servers,
 * {@code security.*}, {@code ssl.*}, {@code sasl.*}, metric reporters...), plus what this one client needs. In the
 * services the shared settings are the {@code kafka.*} configuration, the same that SmallRye's channels and Kafka
 * Streams start from, so a security setting given once reaches every client.
 */
public final class KafkaClients {

    private final Map<String, Object> shared;

    private KafkaClients(Map<String, ?> shared) {
        if (shared.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) == null) {
            throw new IllegalArgumentException("no " + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG + " among the Kafka client settings");
        }
        this.shared = Map.copyOf(shared);
    }

    /** @param shared every client's settings (for a service: its {@code kafka.*} configuration without the prefix) */
    public static KafkaClients of(Map<String, ?> shared) {
        return new KafkaClients(shared);
    }

    /** A plaintext connection with nothing else shared: the embedded broker of tests and the local stack. */
    public static KafkaClients plaintext(String bootstrapServers) {
        return of(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    public String bootstrapServers() {
        return String.valueOf(shared.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
    }

    /** The shared settings that a client of this kind knows, then the client's own; its own win. */
    public Map<String, Object> config(Set<String> known, Map<String, ?> own) {
        Map<String, Object> config = new HashMap<>();
        shared.forEach((key, value) -> {
            if (known.contains(key)) {
                config.put(key, value);
            }
        });
        config.putAll(own);
        return config;
    }

    public Admin admin(Map<String, ?> own) {
        return Admin.create(config(AdminClientConfig.configNames(), own));
    }

    public <K, V> KafkaConsumer<K, V> consumer(Map<String, ?> own, Deserializer<K> keys, Deserializer<V> values) {
        return new KafkaConsumer<>(config(ConsumerConfig.configNames(), own), keys, values);
    }

    public <K, V> KafkaProducer<K, V> producer(Map<String, ?> own, Serializer<K> keys, Serializer<V> values) {
        return new KafkaProducer<>(config(ProducerConfig.configNames(), own), keys, values);
    }
}
