package io.tourniquet.audit.cloudevents;

import java.time.Duration;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.kafka.CloudEventSerializer;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.tourniquet.audit.config.AuditConfig;
import io.tourniquet.audit.store.Database;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.kafka.ProducerTopics;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Publishes every stored event, once its row is durable, as a CloudEvent on tourniquet.audit.cloudevents (Kafka
 * protocol binding, binary mode: ce_* headers; {@link CloudEventMapper} makes them) and then to the {@link LiveStream};
 * webhooks learn of each through {@link PublicationListener}. An outbox: its cursor (the last sequence published) moves only after Kafka acknowledged the
 * batch, so a broker that goes away delays events and loses none (delivery is at least once; consumers dedupe by id).
 * Events are stored in sequence order by one writer ({@code AuditStore}), so every row past the cursor is unpublished.
 */
@ApplicationScoped
public class CloudEventOutbox {

    private static final Logger LOG = Logger.getLogger(CloudEventOutbox.class);
    private static final String CURSOR = "cloudevents";
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    Database database;

    @Inject
    AuditConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    Instance<PublicationListener> listeners;

    @Inject
    KafkaClients kafka;

    @Inject
    LiveStream live;

    private KafkaProducer<String, CloudEvent> producer;
    /** Tenant CloudEvents topics known to exist (only the outbox thread reads and writes it). */
    private final Set<String> knownTenantTopics = new HashSet<>();
    private ScheduledExecutorService scheduler;

    void start(@Observes StartupEvent event) {
        if (config.cloudeventsBatch() < 1) {
            throw new IllegalArgumentException("tourniquet.audit.cloudevents-batch must be at least 1, not " + config.cloudeventsBatch());
        }
        // raw producer: the cursor moves only after Kafka acked the whole batch, in the same thread that read it
        producer = kafka.producer(Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, "tourniquet-cloudevent-outbox",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                // a tenant's events can be days apart: the producer must not forget its topic after 5 idle minutes (the
                // default), or the next event of each tenant waits for a metadata round trip, one tenant after another
                ProducerConfig.METADATA_MAX_IDLE_CONFIG, Duration.ofDays(7).toMillis(),
                CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY.name()), new StringSerializer(), new CloudEventSerializer());
        // its own thread, not quarkus-scheduler: SOC tools see events within 200 ms, and the scheduler's every() stops at 1 s
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "cloudevent-outbox"));
        scheduler.scheduleWithFixedDelay(this::drain, 200, 200, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    private void drain() {
        try {
            while (publishBatch() == config.cloudeventsBatch()) {
                // keep going while there is a backlog
            }
        } catch (Exception e) {
            // a broker away or a database hiccup: the rows stay unpublished and the next run tries again
            registry.counter("tourniquet.audit.cloudevents.publish.failures").increment();
            LOG.warnf("publishing CloudEvents failed, retrying: %s", e.toString());
        }
    }

    private int publishBatch() throws Exception {
        List<OcsfRemediation.Row> rows = unpublished();
        if (rows.isEmpty()) {
            return 0;
        }
        Map<String, String> tenantTopics = tenantTopics(rows);
        List<CloudEvent> events = new ArrayList<>();
        List<Future<?>> sent = new ArrayList<>();
        for (OcsfRemediation.Row row : rows) {
            CloudEvent event = CloudEventMapper.of(row);
            events.add(event);
            sent.add(producer.send(new ProducerRecord<>(Topics.AUDIT_CLOUDEVENTS, row.tenantId(), event)));
            String tenantTopic = tenantTopics.get(row.tenantId());
            if (tenantTopic != null) {
                sent.add(producer.send(new ProducerRecord<>(tenantTopic, row.tenantId(), event)));
            }
        }
        for (Future<?> future : sent) {
            future.get(30, TimeUnit.SECONDS);
        }
        markPublished(rows, events);
        registry.counter("tourniquet.audit.cloudevents.published").increment(rows.size());
        events.forEach(live::emit);
        return rows.size();
    }

    /**
     * Each tenant's own CloudEvents topic (what its SOC tool may read), those not known yet made in one request (the
     * provisioner returns once their leaders take records) and learnt by the producer side by side; none for events of
     * no tenant (the feed's), which only the all-tenant stream carries.
     */
    private Map<String, String> tenantTopics(List<OcsfRemediation.Row> rows) throws InterruptedException {
        Map<String, String> topics = new HashMap<>();
        List<TopicSpec> missing = new ArrayList<>();
        for (String tenantId : rows.stream().map(OcsfRemediation.Row::tenantId).distinct().toList()) {
            if (AuditEvents.NO_TENANT_KEY.equals(tenantId)) {
                continue;
            }
            TopicSpec spec;
            try {
                spec = Topics.tenantCloudEventsSpec(tenantId);
            } catch (IllegalArgumentException e) {
                // not a tenant id a topic can carry: the all-tenant stream has the event; the outbox must not stall on it
                LOG.warnf("event of tenant '%s' published on %s only: %s", tenantId, Topics.AUDIT_CLOUDEVENTS, e.getMessage());
                continue;
            }
            topics.put(tenantId, spec.name());
            if (!knownTenantTopics.contains(spec.name())) {
                missing.add(spec);
            }
        }
        if (!missing.isEmpty()) {
            try (TopicProvisioner provisioner = new TopicProvisioner(kafka, TOPIC_TIMEOUT)) {
                provisioner.ensure(missing);
            }
            try {
                ProducerTopics.learn(producer, missing.stream().map(TopicSpec::name).toList(), TOPIC_TIMEOUT);
            } catch (ExecutionException | TimeoutException e) {
                // only saves time: each send asks for its topic's partitions itself
                LOG.warnf("could not learn the tenant topics' partitions ahead of sending: %s", e.toString());
            }
            missing.forEach(spec -> knownTenantTopics.add(spec.name()));
        }
        return topics;
    }

    private List<OcsfRemediation.Row> unpublished() throws SQLException {
        List<OcsfRemediation.Row> rows = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT seq, event_id, tenant_id, server_id, mitigation_id, revision, event_type, outcome, actor, reason, occurred_at, source_topic, "
                        + "CASE WHEN event_type = '" + AuditType.CHAIN_HEAD_SIGNED.wireName() + "' THEN payload END "
                        + "FROM audit_event WHERE seq > (SELECT last_seq FROM outbox_cursor WHERE name = '" + CURSOR + "') ORDER BY seq LIMIT ?")) {
            ps.setInt(1, config.cloudeventsBatch());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new OcsfRemediation.Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            (Integer) rs.getObject(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                            rs.getTimestamp(11).toInstant(), rs.getString(12), rs.getString(13)));
                }
            }
            c.rollback();
        }
        return rows;
    }

    /**
     * Moves the cursor past the rows and, in the same transaction, tells the listeners (webhooks) of each. On PostgreSQL
     * the commit does not wait for its WAL flush: a crash can lose only the last such commits whole, cursor and webhook
     * deliveries together, and those events are then published again (delivery is at least once; consumers dedupe by
     * id). Waiting for the flush made each batch wait 60-200 ms on a busy disk while events were being stored.
     */
    private void markPublished(List<OcsfRemediation.Row> rows, List<CloudEvent> events) throws SQLException {
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement("UPDATE outbox_cursor SET last_seq = ? WHERE name = ?")) {
            if (database.isPostgres()) {
                try (var asynchronous = c.createStatement()) {
                    asynchronous.execute("SET LOCAL synchronous_commit TO OFF");
                }
            }
            ps.setLong(1, rows.get(rows.size() - 1).seq());
            ps.setString(2, CURSOR);
            ps.executeUpdate();
            for (int i = 0; i < rows.size(); i++) {
                for (PublicationListener listener : listeners) {
                    listener.published(c, rows.get(i), events.get(i));
                }
            }
            c.commit();
        }
    }
}
