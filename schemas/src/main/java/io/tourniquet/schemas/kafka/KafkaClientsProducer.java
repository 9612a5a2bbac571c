package io.tourniquet.schemas.kafka;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Map;

/**
 * In each service: raw clients start from {@code default-kafka-broker}, Quarkus's map of the {@code kafka.*}
 * configuration, which SmallRye's channels and Kafka Streams start from too.
 */
@ApplicationScoped
public class KafkaClientsProducer {

    @Produces
    @Singleton
    KafkaClients kafkaClients(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfiguration) {
        return KafkaClients.of(kafkaConfiguration);
    }
}
