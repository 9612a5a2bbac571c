package io.tourniquet.bench;

import org.apache.avro.specific.SpecificRecord;
import io.tourniquet.devstack.ServiceProcess;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.serde.AvroSerializer;
import io.tourniquet.schemas.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Audit ingest rate: a backlog of policy decisions (the audit service's commonest input: one row, a chain link and a
 * state change each) is written to tourniquet.audit before an audit service starts; the service then stores it and
 * publishes each event as a CloudEvent as fast as it can, and its own counters, read every 100 ms, give the rate.
 */
final class AuditIngestBench {

    static final String MITIGATION = "BENCH-AUDIT";
    private static final Pattern STORED = counterPattern("tourniquet_audit_events_stored_total");
    private static final Pattern PUBLISHED = counterPattern("tourniquet_audit_cloudevents_published_total");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private AuditIngestBench() {
    }

    private static Pattern counterPattern(String name) {
        return Pattern.compile("(?m)^" + name + "(?:\\{[^}]*})?\\s+([0-9.eE+]+)$");
    }

    /** Writes this many decision records for the fleet's servers, spread over its tenants. */
    static void writeBacklog(KafkaClients kafka, List<String> tenants, int serversPerTenant, int events) throws Exception {
        try (var producer = kafka.<String, SpecificRecord>producer(Map.<String, Object>of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024), new StringSerializer(), new AvroSerializer())) {
            for (int i = 0; i < events; i++) {
                String tenant = tenants.get(i % tenants.size());
                AuditRecord decision = AuditEvents.builder("policy-service", AuditType.DECISION_APPLY, "commanded", "policy-service")
                        .setTenantId(tenant).setServerId("exch" + (i / tenants.size()) % Math.max(1, serversPerTenant))
                        .setMitigationId(MITIGATION).setRevision(1 + i / (tenants.size() * Math.max(1, serversPerTenant)))
                        .setReason("benchmark backlog").setDetails(Map.of("decision", "APPLY", "sequence", Integer.toString(i))).build();
                producer.send(new ProducerRecord<>(Topics.AUDIT, tenant, decision));
            }
            producer.flush();
        }
    }

    /**
     * Follows the service's counters of stored events and of events published as CloudEvents until both reach
     * {@code events}: an event counts once its row, chain link and state change are committed and its CloudEvent is
     * acknowledged by the broker. The time counts from the last sample that saw nothing stored yet (the consumer had
     * joined and was about to store its first batch): at most one sampling interval more than the true time.
     */
    static Map<String, Object> measure(ServiceProcess audit, String database, int events, Duration timeout) throws Exception {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        long lastEmptyAt = System.currentTimeMillis();
        long allStoredAt = -1;
        Counts counts = new Counts(0, 0);
        while (System.currentTimeMillis() < deadline) {
            long now = System.currentTimeMillis();
            counts = counts(audit);
            if (counts.stored() == 0) {
                lastEmptyAt = now;
            }
            if (counts.stored() >= events && allStoredAt < 0) {
                allStoredAt = now;
            }
            if (counts.stored() >= events && counts.published() >= events) {
                break;
            }
            Thread.sleep(100); // sampling another process's counters; not test code
        }
        long millis = System.currentTimeMillis() - lastEmptyAt;
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("database", database);
        figures.put("events", events);
        figures.put("stored", counts.stored());
        figures.put("publishedAsCloudEvents", counts.published());
        if (counts.stored() < events || counts.published() < events) {
            figures.put("timedOut", true);
        }
        figures.put("seconds", millis / 1000.0);
        figures.put("eventsPerSecond", BenchStats.rate(Math.min(counts.stored(), counts.published()), millis));
        if (allStoredAt > 0) {
            figures.put("storedEventsPerSecond", BenchStats.rate(counts.stored(), allStoredAt - lastEmptyAt));
        }
        return figures;
    }

    private record Counts(long stored, long published) {
    }

    private static Counts counts(ServiceProcess audit) throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(audit.baseUrl() + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return new Counts(counter(STORED, metrics), counter(PUBLISHED, metrics));
    }

    private static long counter(Pattern counter, String metrics) {
        Matcher m = counter.matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }
}
