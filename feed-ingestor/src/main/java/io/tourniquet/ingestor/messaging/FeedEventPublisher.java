package io.tourniquet.ingestor.messaging;

import io.tourniquet.schemas.FeedVersionAccepted;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Sends mitigation events and audit records, waiting for the broker's acknowledgement (acks=all). */
@ApplicationScoped
public class FeedEventPublisher {

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    @Channel(Topics.MITIGATIONS)
    MutinyEmitter<SpecificRecord> mitigations;

    @Inject
    @Channel(Topics.AUDIT)
    MutinyEmitter<SpecificRecord> audit;

    @Inject
    @Channel(Topics.FEED_VERSIONS)
    MutinyEmitter<SpecificRecord> feedVersions;

    public void publishFeedVersion(FeedVersionAccepted accepted) {
        send(feedVersions, accepted.getFeedId(), accepted);
    }

    public void publishMitigation(String mitigationId, SpecificRecord event) {
        send(mitigations, mitigationId, event);
    }

    public void publishAudit(AuditRecord record) {
        send(audit, AuditEvents.key(record), record);
    }

    private static void send(MutinyEmitter<SpecificRecord> emitter, String key, SpecificRecord value) {
        emitter.sendMessage(Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()))
                .await().atMost(SEND_TIMEOUT);
    }
}
