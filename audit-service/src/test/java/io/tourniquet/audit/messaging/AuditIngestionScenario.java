package io.tourniquet.audit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tourniquet.audit.store.AuditQueries;
import io.tourniquet.audit.store.Database;
import io.tourniquet.localstack.testing.KafkaBrokerResource;
import io.tourniquet.localstack.testing.TopicRecords;
import io.tourniquet.schemas.AgentHeartbeat;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.CommandRef;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.topics.Topics;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What the audit trail promises, run against each database it supports. */
abstract class AuditIngestionScenario {

    @Inject
    AuditQueries queries;

    @Inject
    Database database;

    /** A tenant of its own per database, so that the runs do not see each other's rows. */
    abstract String tenant();

    private static String kafka() {
        return KafkaBrokerResource.bootstrapServers();
    }

    /** Built field by field: Avro's copy builder resolves classes through another loader under @QuarkusTest. */
    private static MitigationApplied applied(String tenant, Instant at) {
        return MitigationApplied.newBuilder()
                .setEventId(UUID.randomUUID().toString()).setTenantId(tenant).setServerId("exch01")
                .setCommand(new CommandRef("c1", 1L, "M1.1", 1))
                .setEvidence(new ChangeEvidence("simulated", List.of("put M1.1 in force"), "a", "b", "re-read"))
                .setAppliedAt(at).build();
    }

    @Test
    void storesOnceDeadLettersPoisonKeepsGoingAndDetectsTampering() throws Exception {
        String tenant = tenant();
        String events = Topics.agentEvents(tenant);
        Instant decided = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        AuditRecord decision = AuditEvents.builder("policy-service", "decision.apply", "commanded", "policy-service")
                .setTenantId(tenant).setServerId("exch01").setMitigationId("M1.1").setRevision(1).setOccurredAt(decided).build();
        MitigationApplied applied = applied(tenant, decided.plusMillis(5));
        MitigationApplied otherTenant = applied("someone-else", decided.plusMillis(5));

        TopicRecords.send(kafka(), Topics.AUDIT, tenant, decision);
        TopicRecords.sendRaw(kafka(), events, "exch01", "poison".getBytes(StandardCharsets.UTF_8));
        TopicRecords.send(kafka(), events, "exch01", otherTenant);
        TopicRecords.send(kafka(), events, "exch01", applied);
        TopicRecords.send(kafka(), events, "exch01", applied); // delivered twice
        TopicRecords.send(kafka(), events, "exch01", AgentHeartbeat.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(tenant).setServerId("exch01").setLastSequence(1).setReportedAt(decided).build()); // liveness, not evidence

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(queries.states(tenant, "exch01", "M1.1")).singleElement()
                    .satisfies(s -> assertThat(s.state()).isEqualTo("APPLIED"));
            assertThat(queries.events(tenant, null, null, null, 0, 100)).extracting(AuditQueries.Event::type)
                    .containsExactlyInAnyOrder("decision.apply", "agent.applied"); // two topics: either may arrive first
        });
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TopicRecords.readAll(kafka(), Topics.AUDIT_DEAD_LETTERS))
                .filteredOn(d -> d.headers().getOrDefault(Topics.DLQ_ORIGIN_HEADER, "").startsWith(events))
                .extracting(d -> d.headers().get(Topics.DLQ_REASON_HEADER))
                .anySatisfy(reason -> assertThat(reason).contains("not Avro single-object encoding"))
                .anySatisfy(reason -> assertThat(reason).contains("names tenant someone-else")));

        var intact = queries.verifyChain(tenant);
        assertThat(intact.valid()).isTrue();
        assertThat(intact.events()).isEqualTo(2);

        try (Connection c = database.connection();
             PreparedStatement tamper = c.prepareStatement("UPDATE audit_event SET outcome = 'failed' WHERE event_id = ?")) {
            tamper.setString(1, applied.getEventId());
            assertThat(tamper.executeUpdate()).isEqualTo(1);
            c.commit();
        }
        var tampered = queries.verifyChain(tenant);
        assertThat(tampered.valid()).isFalse();
        assertThat(tampered.problem()).contains(applied.getEventId());
    }
}
