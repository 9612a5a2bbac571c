package io.tourniquet.policy.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Writes agent enrolments to the compacted tourniquet.agent-enrolments topic and waits for acks=all. */
@ApplicationScoped
public class EnrolmentPublisher {

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    @Channel(Topics.AGENT_ENROLMENTS)
    MutinyEmitter<AgentEnrolment> enrolments;

    public void publish(AgentEnrolment enrolment) {
        String key = Topics.enrolmentKey(enrolment.getTenantId(), enrolment.getServerId());
        enrolments.sendMessage(Message.of(enrolment).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()))
                .await().atMost(SEND_TIMEOUT);
    }
}
