package io.tourniquet.audit.messaging;

import io.quarkus.runtime.StartupEvent;
import io.tourniquet.audit.store.Database;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.Topics;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.tourniquet.schemas.kafka.KafkaClients;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Opens (and migrates) the database and makes sure the topics exist before consumption starts. */
@ApplicationScoped
public class AuditStartup {

    @Inject
    Database database;

    @Inject
    KafkaClients kafka;

    @ConfigProperty(name = "tourniquet.audit.kafka-timeout", defaultValue = "30s")
    Duration kafkaTimeout;

    void onStart(@Observes @Priority(1) StartupEvent event) {
        database.dataSource();
        try (TopicProvisioner provisioner = new TopicProvisioner(kafka, kafkaTimeout)) {
            provisioner.ensure(Topics.central());
        }
    }
}
