package io.tourniquet.policy.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Records each admin action (policy edit, approval, rejection, kill switch, server override, rollout request) in tourniquet.audit, naming who. */
@ApplicationScoped
public class AdminAuditPublisher {

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    @Channel(Topics.AUDIT)
    MutinyEmitter<AuditRecord> records;

    public void record(AuditType type, String outcome, String actor, String tenant, String server, String mitigation, String reason,
            Map<String, String> details) {
        AuditRecord record = AuditEvents.builder("policy-service", type, outcome, actor)
                .setTenantId(tenant).setServerId(server).setMitigationId(mitigation).setReason(reason).setDetails(details).build();
        records.sendMessage(Message.of(record).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(AuditEvents.key(record)).build()))
                .await().atMost(SEND_TIMEOUT);
    }
}
