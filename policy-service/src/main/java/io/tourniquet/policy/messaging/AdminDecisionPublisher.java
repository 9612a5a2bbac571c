package io.tourniquet.policy.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Writes admin decisions (policies, approvals, rollout controls, kill switches, server overrides) to the compacted
 * tourniquet.tenant-policies topic and waits for acks=all: the API answers only once the decision is durable.
 */
@ApplicationScoped
public class AdminDecisionPublisher {

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    @Channel(Topics.TENANT_POLICIES)
    MutinyEmitter<SpecificRecord> decisions;

    public void publish(String key, SpecificRecord decision) {
        decisions.sendMessage(Message.of(decision).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()))
                .await().atMost(SEND_TIMEOUT);
    }
}
