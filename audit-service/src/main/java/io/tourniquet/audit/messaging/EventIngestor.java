package io.tourniquet.audit.messaging;

import jakarta.annotation.PostConstruct;
import io.micrometer.core.instrument.Gauge;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.tourniquet.audit.domain.CatalogEntry;
import io.tourniquet.audit.domain.EventMapper;
import io.tourniquet.audit.domain.StoredEvent;
import io.tourniquet.audit.store.AuditStore;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.topics.Topics;
import io.tourniquet.schemas.kafka.UnreadableRecord;
import io.tourniquet.schemas.serde.AvroCodec;
import org.apache.avro.specific.SpecificRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Stores every event of the audit topic and of every tenant's agent-event topic, a batch per poll. The batch is
 * acknowledged (and its offsets committed) only once its rows are committed; a record that cannot be read or does
 * not belong where it was found goes to the dead-letter topic with the reason, and the rest of the batch is stored.
 */
@ApplicationScoped
public class EventIngestor {

    /** Channel of every tenant's agent-event topic (pattern subscription). */
    public static final String AGENT_EVENTS_CHANNEL = "agent-events";
    private static final Logger LOG = Logger.getLogger(EventIngestor.class);
    private static final String SOURCE = "audit-service";

    @Inject
    AuditStore store;

    @Inject
    StoreRetries retries;

    @Inject
    MeterRegistry registry;

    /** How old the newest event of the last batch was when it was stored: the ingest lag, exported as a gauge. */
    private final AtomicLong lagMillis = new AtomicLong();

    @PostConstruct
    void gauges() {
        Gauge.builder("tourniquet.audit.ingest.lag", lagMillis, v -> v.get() / 1000.0)
                .baseUnit("seconds").description("age of the newest event of the last stored batch").register(registry);
    }

    @Inject
    EnrolledAgents enrolledAgents;

    @Inject
    @Channel(Topics.AUDIT_DEAD_LETTERS)
    MutinyEmitter<byte[]> deadLetters;

    @Incoming(Topics.AUDIT)
    @Blocking
    public void auditRecords(ConsumerRecords<String, SpecificRecord> records) {
        ingest(records);
    }

    @Incoming(AGENT_EVENTS_CHANNEL)
    @Blocking
    public void agentEvents(ConsumerRecords<String, SpecificRecord> records) {
        ingest(records);
    }

    /** The feed's mitigations: kept as evidence (no tenant) and as the catalog exposure is measured from. */
    @Incoming(Topics.MITIGATIONS)
    @Blocking
    public void mitigations(ConsumerRecords<String, SpecificRecord> records) {
        ingest(records);
    }

    void ingest(ConsumerRecords<String, SpecificRecord> records) {
        List<StoredEvent> events = new ArrayList<>(records.count());
        List<CatalogEntry> catalog = new ArrayList<>();
        EnrolledAgents.Batch enrolments = enrolledAgents.batch();
        for (ConsumerRecord<String, SpecificRecord> record : records) {
            var unreadable = UnreadableRecord.reason(record);
            if (record.value() == null && unreadable.isEmpty() && record.topic().equals(Topics.MITIGATIONS)) {
                continue; // a compaction tombstone
            }
            if (record.value() == null) {
                deadLetter(record, unreadable.orElse("an empty record (no event)"));
                continue;
            }
            try {
                StoredEvent event = EventMapper.map(record.value(), record.topic());
                event.requireFitsColumns();
                requireTenantOfTopic(record.topic(), event);
                if (record.topic().startsWith(Topics.AGENT_EVENTS_PREFIX)) {
                    var signature = enrolments.check(record.headers(), event.tenantId(), event.serverId());
                    if (!signature.valid()) {
                        events.add(refusal(record, event, signature.reason()));
                        continue;
                    }
                }
                events.add(event);
                EventMapper.catalog(record.value()).ifPresent(catalog::add);
            } catch (RuntimeException e) {
                deadLetter(record, e.getMessage());
            }
        }
        int stored = retries.store("a batch of " + events.size() + " events", () -> store.store(events, catalog));
        if (!events.isEmpty()) {
            lagMillis.set(Duration.between(events.get(events.size() - 1).occurredAt(), Instant.now()).toMillis());
        }
        for (StoredEvent e : events) {
            registry.counter("tourniquet.audit.events.received", "type", e.type()).increment();
        }
        registry.counter("tourniquet.audit.events.stored").increment(stored);
        if (stored < events.size()) {
            registry.counter("tourniquet.audit.events.duplicates").increment(events.size() - stored);
        }
    }

    /**
     * What is stored instead of an agent event whose signature does not match its server's enrolled key: the refusal,
     * in the tenant's chain, with an id derived from the record's position so that a batch read again stores it once.
     */
    private StoredEvent refusal(ConsumerRecord<String, SpecificRecord> record, StoredEvent event, String reason) {
        String position = record.topic() + "-" + record.partition() + "@" + record.offset();
        AuditRecord refused = AuditEvents.builder(SOURCE, AuditType.AGENT_EVENT_REFUSED, "rejected", "agent:" + event.serverId())
                .setEventId(UUID.nameUUIDFromBytes(("refused " + position).getBytes(StandardCharsets.UTF_8)).toString())
                .setTenantId(event.tenantId()).setServerId(event.serverId())
                .setReason(record.value().getSchema().getName() + " at " + position + " refused: " + reason)
                .build();
        registry.counter("tourniquet.audit.agent.events.refused").increment();
        LOG.warnf("agent event %s for %s/%s refused: %s", position, event.tenantId(), event.serverId(), reason);
        return EventMapper.map(refused, Topics.AUDIT);
    }

    /** An agent may only report for its own tenant: its topic (guarded by ACLs) is the authority. */
    private static void requireTenantOfTopic(String topic, StoredEvent event) {
        if (topic.startsWith(Topics.AGENT_EVENTS_PREFIX) && !Topics.tenantOf(topic).equals(event.tenantId())) {
            throw new IllegalArgumentException("event names tenant " + event.tenantId() + " but arrived on " + topic);
        }
    }

    /** The record with the reason: the bytes it arrived with when they could not be read, re-encoded when they could. */
    private void deadLetter(ConsumerRecord<String, SpecificRecord> record, String reason) {
        String origin = UnreadableRecord.origin(record);
        var headers = new RecordHeaders()
                .add(Topics.DLQ_REASON_HEADER, String.valueOf(reason).getBytes(StandardCharsets.UTF_8))
                .add(Topics.DLQ_ORIGIN_HEADER, origin.getBytes(StandardCharsets.UTF_8));
        byte[] original = record.value() == null ? UnreadableRecord.originalValue(record) : AvroCodec.get().encode(record.value());
        // Waits for the broker: a dead letter that is not written must not be acknowledged as handled.
        deadLetters.sendMessage(Message.of(original).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(record.key()).withHeaders(headers).build()))
                .await().atMost(Duration.ofSeconds(30));
        registry.counter("tourniquet.audit.events.dead.lettered").increment();
        LOG.warnf("record %s dead-lettered to %s: %s", origin, Topics.AUDIT_DEAD_LETTERS, reason);
    }
}
