package io.tourniquet.policy.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** Writes agent enrolments to the compacted tourniquet.agent-enrolments topic and waits for acks=all. */
@ApplicationScoped
public class EnrolmentPublisher {

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    @Channel(Topics.AGENT_ENROLMENTS)
    MutinyEmitter<Record<String, AgentEnrolment>> enrolments;

    public void publish(AgentEnrolment enrolment) {
        enrolments.send(Record.of(Topics.enrolmentKey(enrolment.getTenantId(), enrolment.getServerId()), enrolment)).await().atMost(SEND_TIMEOUT);
    }

    /** A tombstone: the server's events are refused from now on. */
    public void revoke(String tenant, String server) {
        enrolments.send(Record.<String, AgentEnrolment>of(Topics.enrolmentKey(tenant, server), null)).await().atMost(SEND_TIMEOUT);
    }
}
