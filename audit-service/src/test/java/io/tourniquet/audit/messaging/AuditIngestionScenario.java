package io.tourniquet.audit.messaging;

import io.tourniquet.schemas.security.Roles;
import io.tourniquet.testsupport.TestTokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tourniquet.audit.store.AuditQueries;
import io.tourniquet.audit.store.Database;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.schemas.AgentHeartbeat;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.CommandRef;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
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

    /** The Quarkus datasource this run must be on ("embedded" or "postgresql"). */
    abstract String activeDatasource();

    /** Readiness includes the database: only the active datasource is checked (and it is up), the other is not opened. */
    @Test
    void readinessChecksTheActiveDatabase() {
        String other = activeDatasource().equals("postgresql") ? "embedded" : "postgresql";
        io.restassured.RestAssured.given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'Database connections health check' }.status", org.hamcrest.Matchers.is("UP"))
                .body("checks.find { it.name == 'Database connections health check' }.data." + activeDatasource(), org.hamcrest.Matchers.is("UP"))
                .body("checks.find { it.name == 'Database connections health check' }.data." + other, org.hamcrest.Matchers.nullValue());
    }

    /** Another tenant of its own for the report scenario, so that each test sees only its own events. */
    String reportTenant() {
        return "reports-" + tenant().substring("tenant-".length());
    }

    private static String kafka() {
        return KafkaBrokerResource.bootstrapServers();
    }

    /** Built field by field: Avro's copy builder resolves classes through another loader under @QuarkusTest. */
    private static MitigationApplied applied(String tenant, Instant at) {
        return applied(tenant, "exch01", at);
    }

    private static MitigationApplied applied(String tenant, String server, Instant at) {
        return MitigationApplied.newBuilder()
                .setEventId(UUID.randomUUID().toString()).setTenantId(tenant).setServerId(server)
                .setCommand(new CommandRef("c1", 1L, "M1.1", 1, "digest-m11"))
                .setEvidence(new ChangeEvidence("simulated", List.of("put M1.1 in force"), "a", "b", "re-read"))
                .setAppliedAt(at).build();
    }

    @Inject
    io.tourniquet.audit.store.AuditStore store;

    @Test
    void aBatchReadAgainAfterARestartIsStoredOnceWithOnlyItsNewEventsAdded() throws Exception {
        String tenant = "again-" + tenant().substring("tenant-".length());
        var first = io.tourniquet.audit.domain.EventMapper.map(applied(tenant, Instant.now().truncatedTo(ChronoUnit.MILLIS)), Topics.agentEvents(tenant));
        var second = io.tourniquet.audit.domain.EventMapper.map(applied(tenant, Instant.now().truncatedTo(ChronoUnit.MILLIS)), Topics.agentEvents(tenant));
        assertThat(store.store(List.of(first))).isEqualTo(1);

        // the stored event's id refuses the batch; it is stored again looking each event up
        assertThat(store.store(List.of(first, second))).as("only the new event is stored").isEqualTo(1);

        var chain = queries.verifyChain(tenant);
        assertThat(chain.valid()).isTrue();
        assertThat(chain.events()).isEqualTo(2);
        assertThat(queries.states(tenant, "exch01", "M1.1")).singleElement().satisfies(st -> assertThat(st.state()).isEqualTo("APPLIED"));
    }

    /** Long nginx or PowerShell output in a failure: hashed whole, so stored whole, or the chain reads as broken forever after. */
    @Test
    void aFailureReasonOf100kBIsStoredWholeAndTheChainStaysValid() throws Exception {
        String tenant = "long-" + tenant().substring("tenant-".length());
        String error = "nginx -t refused the configuration: " + "x".repeat(100_000);
        var failed = io.tourniquet.schemas.MitigationFailed.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setServerId("exch01").setCommand(new CommandRef("c1", 1L, "M1.1", 1, "digest-m11")).setError(error).setRollback("restored")
                .setFailedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).build();
        store.store(List.of(io.tourniquet.audit.domain.EventMapper.map(failed, Topics.agentEvents(tenant))));
        store.store(List.of(io.tourniquet.audit.domain.EventMapper.map(applied(tenant, Instant.now().truncatedTo(ChronoUnit.MILLIS)),
                Topics.agentEvents(tenant))));

        var chain = queries.verifyChain(tenant);
        assertThat(chain.valid()).as(chain.problem()).isTrue();
        assertThat(chain.events()).isEqualTo(2);
        assertThat(queries.events(tenant, null, null, "agent.failed", 0, 10)).singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo(error + "; rollback: restored"));
    }

    @Test
    void aConnectionWhoseFirstTransactionIsRolledBackStillSeesTheAuditTables() throws Exception {
        // every connection the pool may hold, several of them new: a rollback first must not lose the configured schema
        List<java.sql.Connection> connections = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                java.sql.Connection c = database.connection();
                connections.add(c);
                c.rollback();
            }
            for (java.sql.Connection c : connections) {
                try (var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM audit_event")) {
                    assertThat(rs.next()).isTrue();
                }
                c.rollback();
            }
        } finally {
            for (java.sql.Connection c : connections) {
                c.close();
            }
        }
    }

    @Test
    void theStateFollowsTheLatestEventByOccurrenceWhateverTheOrderTheyAreStoredIn() throws Exception {
        String tenant = "order-" + tenant().substring("tenant-".length());
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        store.store(List.of(io.tourniquet.audit.domain.EventMapper.map(applied(tenant, t.plusSeconds(5)), Topics.agentEvents(tenant))));
        store.store(List.of(io.tourniquet.audit.domain.EventMapper.map(decisionRecord(tenant, t), Topics.AUDIT)));
        assertThat(queries.states(tenant, "exch01", "M1.1")).as("an older decision stored later").singleElement()
                .satisfies(st -> assertThat(st.state()).isEqualTo("APPLIED"));

        store.store(List.of(io.tourniquet.audit.domain.EventMapper.map(decisionRecord(tenant, t.plusSeconds(10)), Topics.AUDIT)));
        assertThat(queries.states(tenant, "exch01", "M1.1")).as("a newer decision").singleElement()
                .satisfies(st -> assertThat(st.state()).isEqualTo("COMMANDED"));
    }

    @Inject
    io.tourniquet.audit.report.StuckCommandNotifier stuckCommands;

    /**
     * Three servers are sent a command 30 minutes ago: exch01 keeps reporting and never carries it out (stuck), exch02
     * went silent (offline: its command waits for it), exch03 applied it.
     */
    @Test
    void aCommandAServerThatStillReportsHasNotCarriedOutIsReportedStuckOnce() throws Exception {
        String tenant = "stuck-" + tenant().substring("tenant-".length());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Instant sent = now.minus(Duration.ofMinutes(30));
        for (String server : List.of("exch01", "exch02", "exch03")) {
            store(tenant, io.tourniquet.schemas.ServerInventory.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant).setServerId(server)
                    .setProduct("Exchange").setBuild("15.2.986.5").setBackend("simulated").setAgentVersion("t").setReportedAt(sent.minusSeconds(60)).build());
            store.store(List.of(io.tourniquet.audit.domain.EventMapper.map(AuditRecord.newBuilder(decisionRecord(tenant, sent)).setServerId(server)
                    .setEventId("decision-" + tenant + "-" + server).build(), Topics.AUDIT)));
        }
        store(tenant, heartbeat(tenant, "exch01", now.minusSeconds(30)));
        store(tenant, heartbeat(tenant, "exch02", sent.plusSeconds(20)));
        store(tenant, applied(tenant, "exch03", sent.plusSeconds(5)));
        store(tenant, heartbeat(tenant, "exch03", now.minusSeconds(30)));

        assertThat(reports.stuckCommands(tenant, Duration.ofMinutes(10), now)).singleElement().satisfies(stuck -> {
            assertThat(stuck.serverId()).isEqualTo("exch01");
            assertThat(stuck.mitigationId()).isEqualTo("M1.1");
            assertThat(stuck.waitingSeconds()).isEqualTo(1800);
        });
        assertThat(reports.stuckCommands(tenant, Duration.ofMinutes(45), now)).as("not yet stuck for 45 minutes").isEmpty();
        stuckCommands.check();
        stuckCommands.check(); // once per command, however often it runs
        assertThat(queries.events(tenant, null, null, "command.stuck", 0, 100)).singleElement().satisfies(e -> {
            assertThat(e.serverId()).isEqualTo("exch01");
            assertThat(e.reason()).contains("has no result after PT30M");
        });
        assertThat(queries.verifyChain(tenant).valid()).isTrue();

        io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.OPERATOR, tenant)).queryParam("tenant", tenant)
                .get("/api/v1/reports/stuck-commands").then().statusCode(200).body("serverId", org.hamcrest.Matchers.contains("exch01"));
        io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.OPERATOR, tenant)).queryParam("olderThan", "ten minutes")
                .get("/api/v1/reports/stuck-commands").then().statusCode(400);
        // the console's server page: what the agent described, and when it was last heard from (a heartbeat counts)
        io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.OPERATOR, tenant)).queryParam("tenant", tenant)
                .queryParam("server", "exch02").get("/api/v1/servers").then().statusCode(200)
                .body("serverId", org.hamcrest.Matchers.contains("exch02")).body("build", org.hamcrest.Matchers.contains("15.2.986.5"))
                .body("backend", org.hamcrest.Matchers.contains("simulated"))
                .body("lastSeen", org.hamcrest.Matchers.contains(sent.plusSeconds(20).toString()));
        // and its latest history first, without paging through all of it
        io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.OPERATOR, tenant)).queryParam("tenant", tenant)
                .queryParam("server", "exch03").queryParam("order", "newest").queryParam("limit", 1).get("/api/v1/events").then().statusCode(200)
                .body("type", org.hamcrest.Matchers.contains("agent.applied"));
        io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.OPERATOR, tenant)).queryParam("tenant", tenant)
                .queryParam("server", "exch03").queryParam("limit", 1).get("/api/v1/events").then().statusCode(200)
                .body("type", org.hamcrest.Matchers.contains("agent.inventory"));
        io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.OPERATOR, tenant)).queryParam("order", "sideways")
                .get("/api/v1/events").then().statusCode(400);
    }

    private void store(String tenant, org.apache.avro.specific.SpecificRecord agentEvent) throws Exception {
        store.store(List.of(io.tourniquet.audit.domain.EventMapper.map(agentEvent, Topics.agentEvents(tenant))));
    }

    private static AgentHeartbeat heartbeat(String tenant, String server, Instant at) {
        return AgentHeartbeat.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant).setServerId(server).setLastSequence(1)
                .setReportedAt(at).build();
    }

    static AuditRecord decisionRecord(String tenant, Instant at) {
        return AuditEvents.builder("policy-service", AuditType.DECISION_APPLY, "commanded", "policy-service")
                .setTenantId(tenant).setServerId("exch01").setMitigationId("M1.1").setRevision(1).setOccurredAt(at).build();
    }

    @Inject
    io.tourniquet.audit.report.Reports reports;

    @Inject
    io.tourniquet.audit.report.OverdueNotifier overdue;

    private static final Instant T0 = Instant.parse("2026-10-01T00:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    private void decision(String tenant, String server, String mitigation, AuditType type, String reason, Instant at) {
        TopicRecords.send(kafka(), Topics.AUDIT, tenant, AuditEvents.builder("policy-service", type, "commanded", "policy-service")
                .setTenantId(tenant).setServerId(server).setMitigationId(mitigation).setRevision(1).setReason(reason).setOccurredAt(at).build());
    }

    private static CommandRef ref(String mitigation) {
        return new CommandRef("c-" + UUID.randomUUID(), 1L, mitigation, 1, "digest-" + mitigation);
    }

    /**
     * Five servers of one tenant and a mitigation of a KEV-listed CVE published at T0 (due 2026-10-10), looked at on
     * T0 + 12 days. Expected figures computed by hand in the comments.
     */
    @Test
    void exposureTimeToMitigateAndKevOverdueMatchAHandComputedScenario() throws Exception {
        String tenant = reportTenant();
        String m = "MX-" + tenant;
        String cve = "CVE-2026-" + (10000 + Math.abs(tenant.hashCode() % 10000));
        var definition = io.tourniquet.schemas.MitigationDefinition.newBuilder().setId(m).setRevision(1).setTitle("test").setDescription("")
                .setCves(List.of(cve)).setProduct("Exchange").setApplicableBuilds(List.of()).setFixedBy(List.of())
                .setActions(List.of(new io.tourniquet.schemas.Heartbeat(""))).build();
        TopicRecords.send(kafka(), Topics.MITIGATIONS, m, io.tourniquet.schemas.MitigationPublished.newBuilder().setEventId(UUID.randomUUID().toString())
                .setDefinition(definition).setDefinitionDigest("d")
                .setEvidence(io.tourniquet.schemas.FeedEvidence.newBuilder().setFeedId("test").setFeedKind(io.tourniquet.schemas.FeedKind.BUNDLED_CATALOG)
                        .setFeedVersion("1").setVerifiedBy(List.of("test")).setVerifiedAt(T0).build())
                .setPublishedAt(T0)
                .setExploitation(List.of(new io.tourniquet.schemas.CveExploitation(cve, "2026.10.01", "2026-09-30", "2026-10-10", "Known"))).build());
        String events = Topics.agentEvents(tenant);
        TopicRecords.enrol(kafka(), tenant, "exch01", "exch02", "exch03", "exch04", "exch05");
        // exch01: applied 2 h after publication
        decision(tenant, "exch01", m, AuditType.DECISION_APPLY, "auto", T0.plus(HOUR));
        TopicRecords.sendAsAgent(kafka(), MitigationApplied.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setServerId("exch01").setCommand(ref(m)).setEvidence(new ChangeEvidence("simulated", List.of("x"), "a", "b", "v"))
                .setAppliedAt(T0.plus(HOUR.multipliedBy(2))).build());
        // exch02: failed; still exposed at T0+12d: 288 h
        decision(tenant, "exch02", m, AuditType.DECISION_APPLY, "auto", T0.plus(HOUR));
        TopicRecords.sendAsAgent(kafka(), io.tourniquet.schemas.MitigationFailed.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(tenant).setServerId("exch02").setCommand(ref(m)).setError("URL Rewrite module missing").setRollback("not-needed")
                .setFailedAt(T0.plus(Duration.ofMinutes(90))).build());
        // exch03: awaiting approval, and its agent last seen at T0: offline
        decision(tenant, "exch03", m, AuditType.DECISION_AWAITING_APPROVAL, "approval required by tenant policy", T0.plus(HOUR));
        TopicRecords.sendAsAgent(kafka(), io.tourniquet.schemas.ServerInventory.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(tenant).setServerId("exch03").setProduct("Exchange").setBuild("15.2.986.5").setInstalledUpdates(List.of())
                .setBackend("simulated").setAgentVersion("t").setServerGroup(null).setTags(List.of()).setPrerequisites(java.util.Map.of())
                .setAppliedMitigations(List.of()).setBlockedMitigations(List.of()).setObserveOnly(false).setReportedAt(T0).build());
        // exch04: patched 5 h after publication
        decision(tenant, "exch04", m, AuditType.DECISION_APPLY, "auto", T0.plus(HOUR));
        decision(tenant, "exch04", m, AuditType.DECISION_REMOVE, "server not affected: PATCHED", T0.plus(HOUR.multipliedBy(5)));
        // exch05: applied after 4 h, removed (blocked) after 1 day + 1 min: exposed 4 h + (12 d - 1 d - 1 min)
        decision(tenant, "exch05", m, AuditType.DECISION_APPLY, "auto", T0);
        TopicRecords.sendAsAgent(kafka(), MitigationApplied.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setServerId("exch05").setCommand(ref(m)).setEvidence(new ChangeEvidence("simulated", List.of("x"), "a", "b", "v"))
                .setAppliedAt(T0.plus(HOUR.multipliedBy(4))).build());
        decision(tenant, "exch05", m, AuditType.DECISION_REMOVE, "blocked by tenant policy", T0.plus(Duration.ofDays(1)));
        TopicRecords.sendAsAgent(kafka(), io.tourniquet.schemas.MitigationRemoved.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(tenant).setServerId("exch05").setCommand(ref(m)).setEvidence(new ChangeEvidence("simulated", List.of("x"), "b", "a", "v"))
                .setRemovedAt(T0.plus(Duration.ofDays(1)).plusSeconds(60)).build());

        Instant asOf = T0.plus(Duration.ofDays(12));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(reports.exposure(cve, tenant, asOf).servers()).hasSize(5)
                .anySatisfy(e -> assertThat(e.status()).isEqualTo("removed")));
        var exposure = reports.exposure(cve, tenant, asOf);
        assertThat(exposure.mitigations()).singleElement().satisfies(x -> assertThat(x.publishedAt()).isEqualTo(T0));
        assertThat(exposure.stillExposed()).isEqualTo(3);
        var byServer = new java.util.TreeMap<String, io.tourniquet.audit.report.Reports.ServerExposure>();
        exposure.servers().forEach(e -> byServer.put(e.serverId(), e));
        assertThat(byServer.get("exch01").exposedSeconds()).isEqualTo(2 * 3600);
        assertThat(byServer.get("exch01").mitigatedAt()).isEqualTo(T0.plus(HOUR.multipliedBy(2)));
        assertThat(byServer.get("exch02").exposedSeconds()).isEqualTo(288 * 3600);
        assertThat(byServer.get("exch02").status()).isEqualTo("failed");
        assertThat(byServer.get("exch02").why()).contains("URL Rewrite module missing");
        assertThat(byServer.get("exch03").status()).isEqualTo("offline");
        assertThat(byServer.get("exch03").why()).contains("server offline since " + T0).contains("approval required");
        assertThat(byServer.get("exch04").stillExposed()).isFalse();
        assertThat(byServer.get("exch04").patchedAt()).isEqualTo(T0.plus(HOUR.multipliedBy(5)));
        assertThat(byServer.get("exch04").exposedSeconds()).isEqualTo(5 * 3600);
        assertThat(byServer.get("exch05").exposedSeconds()).isEqualTo(4 * 3600 + Duration.ofDays(11).toSeconds() - 60);

        var ttm = reports.timeToMitigate(tenant, T0, T0.plus(Duration.ofDays(30))).get(tenant);
        assertThat(ttm.mitigated()).isEqualTo(2);
        assertThat(ttm.p50Seconds()).isEqualTo(7200);
        assertThat(ttm.p95Seconds()).isEqualTo(14400);
        assertThat(ttm.maxSeconds()).isEqualTo(14400);

        assertThat(reports.kevOverdue(tenant, asOf)).extracting(o -> o.serverId() + ":" + o.daysOverdue())
                .containsExactlyInAnyOrder("exch02:2", "exch03:2", "exch05:2");
        overdue.check();
        overdue.check(); // once per server, however often it runs
        assertThat(queries.events(tenant, null, null, "exposure.overdue", 0, 100)).extracting(AuditQueries.Event::serverId)
                .containsExactlyInAnyOrder("exch02", "exch03", "exch05");

        String csv = io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.AUDITOR, tenant)).queryParam("from", T0.toString()).queryParam("to", asOf.toString()).queryParam("format", "csv")
                .get("/api/v1/reports/evidence/" + tenant).then().statusCode(200).extract().asString();
        assertThat(csv.lines().findFirst()).contains("\"seq\",\"event_id\",\"occurred_at\",\"recorded_at\",\"type\",\"outcome\",\"actor\","
                + "\"server_id\",\"mitigation_id\",\"revision\",\"reason\",\"source_topic\",\"prev_hash\",\"hash\",\"payload\"");
        assertThat(csv.lines().filter(l -> l.contains(m))).hasSizeGreaterThanOrEqualTo(11);
    }

    /**
     * exch02's agent reports exch01's mitigation applied (and a server that never enrolled reports too): neither is
     * stored as evidence; each refusal is, in the tenant's chain, with the reason. exch01's own report is stored.
     */
    @Test
    void anAgentEventNotSignedByItsServersEnrolledKeyIsRefusedAndTheRefusalRecorded() throws Exception {
        String tenant = "forged-" + tenant().substring("tenant-".length());
        TopicRecords.enrol(kafka(), tenant, "exch01", "exch02");
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        TopicRecords.sendSignedBy(kafka(), "exch02", applied(tenant, at));
        TopicRecords.sendAsAgent(kafka(), applied(tenant, "exch09", at));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(queries.events(tenant, null, null, null, 0, 100))
                .extracting(AuditQueries.Event::type).containsExactly("agent-event.refused", "agent-event.refused"));
        assertThat(queries.events(tenant, null, null, null, 0, 100)).extracting(AuditQueries.Event::reason)
                .anySatisfy(r -> assertThat(r).contains("MitigationApplied").contains("signed with key"))
                .anySatisfy(r -> assertThat(r).contains("not enrolled"));
        assertThat(queries.states(tenant, "exch01", "M1.1")).as("a forged report changes no state").isEmpty();

        TopicRecords.sendAsAgent(kafka(), applied(tenant, at.plusMillis(1)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(queries.states(tenant, "exch01", "M1.1")).singleElement()
                .satisfies(s -> assertThat(s.state()).isEqualTo("APPLIED")));
        assertThat(queries.verifyChain(tenant).valid()).isTrue();
    }

    @Inject
    io.tourniquet.audit.report.EnforcementGauges enforcementGauges;

    @Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    private static AgentHeartbeat heartbeat(String tenant, String server, Instant at, long blocked, long wouldBlock) {
        return AgentHeartbeat.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant).setServerId(server).setLastSequence(1)
                .setEnforcement(List.of(io.tourniquet.schemas.EnforcementCount.newBuilder().setMitigationId("M1.1").setBlocked(blocked)
                        .setWouldBlock(wouldBlock).setFirstSeenAt(at.minusSeconds(600)).setLastSeenAt(at.minusSeconds(5)).build()))
                .setReportedAt(at).build();
    }

    /**
     * An nginx agent's heartbeats say M1.1 refused 3, then 5 requests on exch01 (a heartbeat arrives twice, an older one
     * late): stored once per server and mitigation, each growth recorded once in the tenant's chain as agent.blocked and
     * published as an OCSF Detection Finding, listed by the report and summed by the gauge.
     */
    @Test
    void blockedRequestsReportedWithHeartbeatsAreEvidenceReportsMetricsAndDetectionFindings() throws Exception {
        String tenant = "blocked-" + tenant().substring("tenant-".length());
        TopicRecords.enrol(kafka(), tenant, "exch01");
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        AgentHeartbeat three = heartbeat(tenant, "exch01", t, 3, 0);
        TopicRecords.sendAsAgent(kafka(), three);
        TopicRecords.sendAsAgent(kafka(), three);
        TopicRecords.sendAsAgent(kafka(), heartbeat(tenant, "exch01", t.plusSeconds(60), 3, 0));
        TopicRecords.sendAsAgent(kafka(), heartbeat(tenant, "exch01", t.plusSeconds(120), 5, 2));
        TopicRecords.sendAsAgent(kafka(), heartbeat(tenant, "exch01", t.plusSeconds(30), 3, 0)); // late, older

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(reports.enforcement(tenant)).singleElement().satisfies(e -> {
            assertThat(e.serverId()).isEqualTo("exch01");
            assertThat(e.mitigationId()).isEqualTo("M1.1");
            assertThat(e.blocked()).isEqualTo(5);
            assertThat(e.wouldBlock()).isEqualTo(2);
            assertThat(e.reportedAt()).isEqualTo(t.plusSeconds(120));
        }));
        assertThat(queries.events(tenant, null, null, "agent.blocked", 0, 100)).extracting(AuditQueries.Event::reason).containsExactly(
                "M1.1 refused 3 request(s) on exch01 since it went in (3 new); first " + t.minusSeconds(600) + ", last " + t.minusSeconds(5),
                "M1.1 refused 5 request(s) on exch01 since it went in (2 new), and would have refused 2 log-only (2 new); first "
                        + t.plusSeconds(120).minusSeconds(600) + ", last " + t.plusSeconds(115));
        assertThat(queries.verifyChain(tenant).valid()).isTrue();

        io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.SOC, tenant)).queryParam("tenant", tenant)
                .get("/api/v1/reports/enforcement").then().statusCode(200)
                .body("blocked", org.hamcrest.Matchers.contains(5)).body("serverId", org.hamcrest.Matchers.contains("exch01"));

        enforcementGauges.refresh();
        assertThat(meters.find("tourniquet.audit.requests.blocked").tag("mitigation", "M1.1").gauge().value()).isEqualTo(5.0);
        assertThat(meters.find("tourniquet.audit.requests.would.block").tag("mitigation", "M1.1").gauge().value()).isEqualTo(2.0);

        String latest = queries.events(tenant, null, null, "agent.blocked", 0, 100).get(1).eventId();
        var event = cloudEventsUntil(Topics.tenantCloudEvents(tenant), latest).stream().filter(e -> e.getId().equals(latest)).findFirst().orElseThrow();
        assertThat(event.getType()).isEqualTo("io.tourniquet.agent.blocked");
        assertThat(event.getDataSchema().toString()).endsWith("/classes/detection_finding");
        var data = new com.fasterxml.jackson.databind.ObjectMapper().readTree(event.getData().toBytes());
        assertThat(data.path("class_uid").asInt()).isEqualTo(2004);
        assertThat(data.path("disposition").asText()).isEqualTo("Blocked");
        assertThat(data.path("device").path("hostname").asText()).isEqualTo("exch01");
        assertThat(data.path("finding_info").path("title").asText()).isEqualTo("M1.1 blocked requests");
    }

    /**
     * A backlog larger than a batch (3 rows in these tests) is published a batch at a time: every event once, in the order
     * it was stored, nothing skipped between batches, on the tenant's topic and on the live stream.
     */
    @Test
    void aBacklogOfSeveralBatchesIsPublishedWholeOnceAndInOrder() throws Exception {
        String tenant = "backlog-" + tenant().substring("tenant-".length());
        List<io.tourniquet.audit.domain.StoredEvent> backlog = java.util.stream.IntStream.range(0, 11)
                .mapToObj(i -> io.tourniquet.audit.domain.EventMapper.map(AuditEvents.builder("policy-service", AuditType.DECISION_APPLY, "commanded", "alice")
                        .setTenantId(tenant).setServerId("exch" + i).setMitigationId("M1.1").setRevision(1).build(), Topics.AUDIT))
                .toList();
        var lines = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        var reader = followLiveStream(tenant, lines);
        store.store(backlog); // one transaction: the outbox finds the whole backlog at once

        List<String> stored = backlog.stream().map(io.tourniquet.audit.domain.StoredEvent::eventId).toList();
        List<io.cloudevents.CloudEvent> published = cloudEventsUntil(Topics.tenantCloudEvents(tenant), stored.get(stored.size() - 1));
        assertThat(published).extracting(io.cloudevents.CloudEvent::getId).containsExactlyElementsOf(stored);
        // the live stream tells of each batch once Kafka acknowledged it
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(lines.stream().filter(line -> line.startsWith("data:"))
                .map(AuditIngestionScenario::cloudEventId).toList()).containsExactlyElementsOf(stored));
        reader.cancel(true);
    }

    private static String cloudEventId(String sseDataLine) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(sseDataLine.substring("data:".length())).path("id").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Follows the tenant's live stream (SSE) as its SOC tool would, each line into the queue; cancel the future to stop. */
    private static java.util.concurrent.CompletableFuture<Void> followLiveStream(String tenant, java.util.Queue<String> lines) {
        var stream = java.net.http.HttpClient.newHttpClient().sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        "http://localhost:" + io.restassured.RestAssured.port + "/api/v1/stream?tenant=" + tenant))
                        .header("Authorization", "Bearer " + TestTokens.token(Roles.SOC, tenant)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines());
        var reader = stream.thenAccept(response -> response.body().forEach(lines::add));
        await().atMost(Duration.ofSeconds(10)).until(stream::isDone);
        return reader;
    }

    /** Every CloudEvent on the topic from its start until the one with this id has been read (bounded wait). */
    private static List<io.cloudevents.CloudEvent> cloudEventsUntil(String topic, String eventId) {
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, io.cloudevents.CloudEvent>(java.util.Map.of(
                org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka()),
                new org.apache.kafka.common.serialization.StringDeserializer(), new io.cloudevents.kafka.CloudEventDeserializer())) {
            // the outbox makes a tenant's topic at its first event
            var partitions = await().atMost(Duration.ofSeconds(30)).until(() -> consumer.partitionsFor(topic), found -> !found.isEmpty()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var all = new java.util.ArrayList<io.cloudevents.CloudEvent>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> all.add(r.value()));
                return all.stream().anyMatch(e -> e.getId().equals(eventId));
            });
            return all;
        }
    }

    /** A SOC tool that knows CloudEvents and JSON, not Avro: reads the Kafka topic with the CloudEvents SDK, and the SSE stream. */
    @Test
    void everyStoredEventIsACloudEventOnKafkaAndOnTheLiveStream() throws Exception {
        String tenant = "cloud-" + tenant().substring("tenant-".length());
        var lines = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        var reader = followLiveStream(tenant, lines);

        AuditRecord decision = AuditEvents.builder("policy-service", AuditType.DECISION_APPLY, "commanded", "alice")
                .setTenantId(tenant).setServerId("exch01").setMitigationId("M1.1").setRevision(1).setReason("approved by alice").build();
        TopicRecords.send(kafka(), Topics.AUDIT, tenant, decision);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(lines).anySatisfy(line -> {
            assertThat(line).startsWith("data:").contains("\"id\":\"" + decision.getEventId() + "\"");
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line.substring("data:".length()));
            assertThat(json.path("specversion").asText()).isEqualTo("1.0");
            assertThat(json.path("type").asText()).isEqualTo("io.tourniquet.decision.apply");
            assertThat(json.path("data").path("class_uid").asInt()).isEqualTo(7001);
            assertThat(json.path("data").path("actor").path("user").path("name").asText()).isEqualTo("alice");
        }));
        reader.cancel(true);

        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, io.cloudevents.CloudEvent>(java.util.Map.of(
                org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka()),
                new org.apache.kafka.common.serialization.StringDeserializer(), new io.cloudevents.kafka.CloudEventDeserializer())) {
            var partitions = consumer.partitionsFor(Topics.AUDIT_CLOUDEVENTS).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var found = new java.util.ArrayList<io.cloudevents.CloudEvent>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value().getId().equals(decision.getEventId())) {
                        found.add(r.value());
                    }
                });
                return !found.isEmpty();
            });
            var event = found.get(0);
            assertThat(event.getSource().toString()).isEqualTo("urn:tourniquet:audit-service");
            assertThat(event.getType()).isEqualTo("io.tourniquet.decision.apply");
            assertThat(event.getSubject()).isEqualTo(tenant + "/exch01/M1.1");
            assertThat(event.getDataContentType()).isEqualTo("application/json");
            var data = new com.fasterxml.jackson.databind.ObjectMapper().readTree(event.getData().toBytes());
            assertThat(data.path("activity_name").asText()).isEqualTo("Harden");
            assertThat(data.path("unmapped").path("tenant_id").asText()).isEqualTo(tenant);
        }

        // the tenant's own stream, what its SOC tool may read (ACLs: KafkaAcls.soc), carries its events and no other tenant's
        assertThat(cloudEventsUntil(Topics.tenantCloudEvents(tenant), decision.getEventId()))
                .allSatisfy(e -> assertThat(e.getExtension("tenant")).isEqualTo(tenant));
    }

    @Test
    void storesOnceDeadLettersPoisonKeepsGoingAndDetectsTampering() throws Exception {
        String tenant = tenant();
        String events = Topics.agentEvents(tenant);
        Instant decided = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        AuditRecord decision = AuditEvents.builder("policy-service", AuditType.DECISION_APPLY, "commanded", "policy-service")
                .setTenantId(tenant).setServerId("exch01").setMitigationId("M1.1").setRevision(1).setOccurredAt(decided).build();
        MitigationApplied applied = applied(tenant, decided.plusMillis(5));
        MitigationApplied otherTenant = applied("someone-else", decided.plusMillis(5));

        TopicRecords.enrol(kafka(), tenant, "exch01");
        TopicRecords.send(kafka(), Topics.AUDIT, tenant, decision);
        TopicRecords.sendRaw(kafka(), events, "exch01", "poison".getBytes(StandardCharsets.UTF_8));
        TopicRecords.send(kafka(), events, "exch01", otherTenant);
        TopicRecords.send(kafka(), events, "exch01", applied(tenant, "s".repeat(300), decided)); // wider than its column: refused whole, never cut
        TopicRecords.sendAsAgent(kafka(), applied);
        TopicRecords.sendAsAgent(kafka(), applied); // delivered twice
        TopicRecords.sendAsAgent(kafka(), AgentHeartbeat.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(tenant).setServerId("exch01").setLastSequence(1).setReportedAt(decided).build()); // liveness, not evidence

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(queries.states(tenant, "exch01", "M1.1")).singleElement()
                    .satisfies(s -> assertThat(s.state()).isEqualTo("APPLIED"));
            assertThat(queries.events(tenant, null, null, null, 0, 100)).extracting(AuditQueries.Event::type)
                    .containsExactlyInAnyOrder("decision.apply", "agent.applied"); // two topics: either may arrive first
        });
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TopicRecords.readRaw(kafka(), Topics.AUDIT_DEAD_LETTERS))
                .filteredOn(d -> d.headers().getOrDefault(Topics.DLQ_ORIGIN_HEADER, "").startsWith(events))
                .extracting(d -> d.headers().get(Topics.DLQ_REASON_HEADER))
                .anySatisfy(reason -> assertThat(reason).contains("not Avro single-object encoding"))
                .anySatisfy(reason -> assertThat(reason).contains("names tenant someone-else"))
                .anySatisfy(reason -> assertThat(reason).contains("server id is 300 characters long")));
        assertThat(TopicRecords.readRaw(kafka(), Topics.AUDIT_DEAD_LETTERS))
                .filteredOn(d -> d.headers().getOrDefault(Topics.DLQ_REASON_HEADER, "").contains("not Avro single-object encoding"))
                .filteredOn(d -> d.headers().getOrDefault(Topics.DLQ_ORIGIN_HEADER, "").startsWith(events))
                .as("the unreadable record is dead-lettered with the bytes it arrived with")
                .extracting(d -> new String(d.raw(), StandardCharsets.UTF_8)).containsExactly("poison");

        var intact = queries.verifyChain(tenant);
        assertThat(intact.valid()).isTrue();
        assertThat(intact.events()).isEqualTo(2);
        var report = io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.AUDITOR, tenant)).get("/api/v1/tenants/" + tenant + "/chain").then().statusCode(200).extract().jsonPath();
        String signedText = report.getString("signedHead.signedText");
        assertThat(signedText).startsWith("tourniquet-chain-head|" + tenant + "|2|" + intact.head() + "|");
        var signature = java.security.Signature.getInstance("Ed25519");
        signature.initVerify(io.tourniquet.schemas.crypto.Ed25519Keys.publicFromPem(report.getString("signedHead.publicKeyPem"), "response"));
        signature.update(signedText.getBytes(StandardCharsets.UTF_8));
        assertThat(signature.verify(java.util.Base64.getDecoder().decode(report.getString("signedHead.signature")))).isTrue();

        // editing a stored record
        execute("UPDATE audit_event SET outcome = 'failed' WHERE event_id = ?", applied.getEventId());
        var tampered = queries.verifyChain(tenant);
        assertThat(tampered.valid()).isFalse();
        assertThat(tampered.problem()).contains(applied.getEventId());
        io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.AUDITOR, tenant)).get("/api/v1/tenants/" + tenant + "/chain").then().statusCode(200)
                .body("verification.valid", org.hamcrest.Matchers.is(false)).body("signedHead", org.hamcrest.Matchers.nullValue());
        execute("UPDATE audit_event SET outcome = 'applied' WHERE event_id = ?", applied.getEventId());
        assertThat(queries.verifyChain(tenant).valid()).as("put back as it was").isTrue();

        // reordering two records
        long first = queries.events(tenant, null, null, null, 0, 100).get(0).seq();
        long second = queries.events(tenant, null, null, null, 0, 100).get(1).seq();
        execute("UPDATE audit_event SET seq = -1 WHERE seq = ?", first);
        execute("UPDATE audit_event SET seq = ? WHERE seq = ?", first, second);
        execute("UPDATE audit_event SET seq = ? WHERE seq = -1", second);
        assertThat(queries.verifyChain(tenant).valid()).as("reordered").isFalse();
        execute("UPDATE audit_event SET seq = -1 WHERE seq = ?", first);
        execute("UPDATE audit_event SET seq = ? WHERE seq = ?", first, second);
        execute("UPDATE audit_event SET seq = ? WHERE seq = -1", second);
        assertThat(queries.verifyChain(tenant).valid()).as("put back in order").isTrue();

        // deleting a record
        execute("DELETE FROM audit_event WHERE seq = ?", first);
        assertThat(queries.verifyChain(tenant).valid()).as("deleted").isFalse();
    }

    @Inject
    io.tourniquet.audit.store.ChainAnchors anchors;

    /**
     * A database administrator edits an event and recomputes every hash after it, and the recorded head: the chain is
     * intact in itself, but it no longer meets the head that was signed and published before the edit.
     */
    @Test
    void aHistoryRewrittenWithEveryHashRecomputedStillMissesTheHeadPublishedBefore() throws Exception {
        String tenant = "anchored-" + tenant().substring("tenant-".length());
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        var first = applied(tenant, t);
        store.store(List.of(io.tourniquet.audit.domain.EventMapper.map(first, Topics.agentEvents(tenant)),
                io.tourniquet.audit.domain.EventMapper.map(decisionRecord(tenant, t), Topics.AUDIT)));
        String headBefore = queries.verifyChain(tenant).head();

        anchors.anchor();
        anchors.anchor(); // nothing new in this chain since: not anchored again
        assertThat(queries.events(tenant, null, null, "chain.head-signed", 0, 10)).singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo("head of 2 events: " + headBefore));
        // what left the database: the CloudEvent on the Kafka topic, carrying the signed head
        String cloudEvent = await().atMost(Duration.ofSeconds(30)).until(() -> TopicRecords.readRaw(kafka(), Topics.AUDIT_CLOUDEVENTS).stream()
                .filter(r -> "io.tourniquet.chain.head-signed".equals(r.headers().get("ce_type")))
                .map(r -> new String(r.raw(), StandardCharsets.UTF_8)).filter(data -> data.contains(headBefore)).findFirst(), java.util.Optional::isPresent).get();
        String published = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cloudEvent).path("unmapped").path("chain_head").toString();
        assertThat(published).contains("\"events\":2", "\"head\":\"" + headBefore + "\"", "\"signature\"");

        verifyAgainst(tenant, published).body("trusted", org.hamcrest.Matchers.is(true)).body("signature", org.hamcrest.Matchers.is("VALID"));
        verifyAgainst(tenant, published.replace(headBefore, "f".repeat(64))).body("signature", org.hamcrest.Matchers.is("BAD_SIGNATURE"))
                .body("trusted", org.hamcrest.Matchers.is(false));

        execute("UPDATE audit_event SET outcome = 'failed' WHERE event_id = ?", first.getEventId());
        rehash(tenant);
        assertThat(queries.verifyChain(tenant).valid()).as("rewritten consistently: intact in itself").isTrue();

        verifyAgainst(tenant, published).body("trusted", org.hamcrest.Matchers.is(false)).body("signature", org.hamcrest.Matchers.is("VALID"))
                .body("verification.valid", org.hamcrest.Matchers.is(false))
                .body("verification.problem", org.hamcrest.Matchers.containsString("the first 2 events no longer hash to the head"));
        execute("DELETE FROM audit_event WHERE tenant_id = ?", tenant);
        execute("DELETE FROM chain_head WHERE tenant_id = ?", tenant);
        verifyAgainst(tenant, published).body("verification.problem", org.hamcrest.Matchers.containsString("events were deleted"));
    }

    private io.restassured.response.ValidatableResponse verifyAgainst(String tenant, String publishedHead) {
        return io.restassured.RestAssured.given().auth().oauth2(TestTokens.token(Roles.AUDITOR, tenant)).contentType("application/json")
                .body(publishedHead)
                .post("/api/v1/tenants/" + tenant + "/chain/verification").then().statusCode(200);
    }

    /** What a database administrator with write access can do: recompute every hash of the chain and its recorded head. */
    private void rehash(String tenant) throws Exception {
        try (Connection c = database.connection();
             PreparedStatement rows = c.prepareStatement("SELECT seq, event_id, tenant_id, server_id, mitigation_id, revision, event_type, outcome, "
                     + "actor, reason, occurred_at, source_topic, payload FROM audit_event WHERE tenant_id = ? ORDER BY seq");
             PreparedStatement update = c.prepareStatement("UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?");
             PreparedStatement head = c.prepareStatement("UPDATE chain_head SET hash = ? WHERE tenant_id = ?")) {
            rows.setString(1, tenant);
            String previous = io.tourniquet.audit.store.ChainHash.GENESIS;
            try (var rs = rows.executeQuery()) {
                while (rs.next()) {
                    String hash = io.tourniquet.audit.store.ChainHash.of(previous, rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), (Integer) rs.getObject(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10),
                            rs.getTimestamp(11).toInstant(), rs.getString(12), rs.getString(13));
                    update.setString(1, previous);
                    update.setString(2, hash);
                    update.setLong(3, rs.getLong(1));
                    update.executeUpdate();
                    previous = hash;
                }
            }
            head.setString(1, previous);
            head.setString(2, tenant);
            head.executeUpdate();
            c.commit();
        }
    }

    void execute(String sql, Object... args) throws Exception {
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
            c.commit();
        }
    }
}
