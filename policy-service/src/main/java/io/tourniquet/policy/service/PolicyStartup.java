package io.tourniquet.policy.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.tourniquet.policy.config.PolicyConfig;
import io.tourniquet.policy.streams.DeadLetterDeserializationHandler;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.tourniquet.schemas.kafka.KafkaClients;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/** Creates the central topics and those of the configured tenants before the topology needs them. */
@ApplicationScoped
public class PolicyStartup {

    private static final Logger LOG = Logger.getLogger(PolicyStartup.class);

    @Inject
    PolicyConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    KafkaClients kafka;

    void onStart(@Observes @Priority(1) StartupEvent event) {
        List<TopicSpec> specs = new ArrayList<>(Topics.central());
        List<String> tenants = config.tenants().orElse(List.of());
        tenants.forEach(t -> specs.addAll(Topics.tenant(t)));
        try (TopicProvisioner provisioner = new TopicProvisioner(kafka, config.kafkaTimeout())) {
            var created = provisioner.ensure(specs);
            LOG.infof("tenants onboarded: %s; topics created now: %s", tenants, created);
        }
        Gauge.builder("tourniquet.dead.lettered", DeadLetterDeserializationHandler.DEAD_LETTERED, Number::doubleValue)
                .tag("service", "policy-service").register(registry);
    }
}
