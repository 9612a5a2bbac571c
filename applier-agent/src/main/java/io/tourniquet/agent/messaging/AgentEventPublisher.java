package io.tourniquet.agent.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.tourniquet.agent.config.AgentConfig;
import io.tourniquet.agent.domain.AgentKeys;
import io.tourniquet.schemas.crypto.AgentEventSignatures;
import io.tourniquet.schemas.serde.AvroCodec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Reports to the tenant's agent-event topic (tourniquet.agent-events.&lt;tenant&gt;), keyed by server, waiting for
 * acks=all. Every event is signed with the reporting server's own key: the policy and audit services act only on
 * events that verify with the key the server enrolled.
 */
@ApplicationScoped
public class AgentEventPublisher {

    /** Channel of the tenant's agent-event topic; the topic name depends on the tenant, so it is set in configuration. */
    public static final String CHANNEL = "agent-events";

    @Inject
    @Channel(CHANNEL)
    MutinyEmitter<byte[]> events;

    @Inject
    AgentKeys keys;

    @Inject
    AgentConfig config;

    public void publish(String serverId, SpecificRecord event) {
        byte[] value = AvroCodec.get().encodeValue(event);
        var headers = new RecordHeaders(AgentEventSignatures.sign(keys.of(serverId), value));
        events.sendMessage(Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(serverId).withHeaders(headers).build()))
                .await().atMost(config.reportTimeout());
    }
}
