package io.tourniquet.agent.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Reports to the tenant's agent-event topic (tourniquet.agent-events.&lt;tenant&gt;), keyed by server, waiting for acks=all. */
@ApplicationScoped
public class AgentEventPublisher {

    /** Channel of the tenant's agent-event topic; the topic name depends on the tenant, so it is set in configuration. */
    public static final String CHANNEL = "agent-events";
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);

    @Inject
    @Channel(CHANNEL)
    MutinyEmitter<SpecificRecord> events;

    public void publish(String serverId, SpecificRecord event) {
        events.sendMessage(Message.of(event).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(serverId).build()))
                .await().atMost(SEND_TIMEOUT);
    }
}
