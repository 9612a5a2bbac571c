package io.tourniquet.policy.streams;

import io.tourniquet.policy.AgentEventsInput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tourniquet.policy.Policies;
import io.tourniquet.policy.TestData;
import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.CveExploitation;
import io.tourniquet.schemas.DecisionKind;
import io.tourniquet.schemas.MitigationKillSwitch;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.PolicyRules;
import io.tourniquet.schemas.RemoveCommand;
import io.tourniquet.schemas.HealthProbe;
import io.tourniquet.schemas.HealthStatus;
import io.tourniquet.schemas.HealthVerdict;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.actions.Refusals;
import java.util.Map;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.crypto.CommandSigner;
import io.tourniquet.schemas.crypto.CommandVerifier;
import io.tourniquet.schemas.crypto.TrustedKeys;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.serde.AvroSerde;
import io.tourniquet.schemas.topics.Topics;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.tourniquet.schemas.OverrideAction;
import io.tourniquet.schemas.RolloutAction;

/** Each tenant-policy rule, through the topology (admin decisions arrive on tourniquet.tenant-policies). */
class PolicyRulesTest {

    /** Monday 2026-11-23 12:00 UTC: 13:00 in Berlin (CET, UTC+1). */
    private static final Instant MONDAY_NOON = Instant.parse("2026-11-23T12:00:00Z");
    private static final String T = "tenant-a";

    private final KeyPair keys = Ed25519Keys.generate();
    private TopologyTestDriver driver;
    private TestInputTopic<String, SpecificRecord> mitigations;
    private TestInputTopic<String, SpecificRecord> admin;
    private AgentEventsInput events;
    private TestOutputTopic<String, SpecificRecord> commands;
    private TestOutputTopic<String, SpecificRecord> audit;

    @BeforeEach
    void start() throws Exception {
        Properties props = TestData.driverProperties();
        driver = new TopologyTestDriver(PolicyTopology.build(new CommandFactory(new CommandSigner(keys), Duration.ofDays(7)), Duration.ofSeconds(30)),
                props, MONDAY_NOON);
        var serde = new AvroSerde();
        mitigations = driver.createInputTopic(Topics.MITIGATIONS, Serdes.String().serializer(), serde.serializer());
        admin = driver.createInputTopic(Topics.TENANT_POLICIES, Serdes.String().serializer(), serde.serializer());
        events = new AgentEventsInput(driver, T);
        commands = driver.createOutputTopic(Topics.commands(T), Serdes.String().deserializer(), serde.deserializer());
        audit = driver.createOutputTopic(Topics.AUDIT, Serdes.String().deserializer(), serde.deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void servers(String... ids) {
        for (String id : ids) {
            events.pipeInput(id, TestData.server(T, id, "15.2.986.5", List.of()));
        }
    }

    private void server(ServerInventory inventory) {
        events.pipeInput(inventory.getServerId(), inventory);
    }

    private void policy(io.tourniquet.schemas.TenantPolicy policy) {
        admin.pipeInput(ControlKeys.policy(policy.getTenantId()), policy);
    }

    /** Every command sent since the last call, verified with the policy key and decoded. */
    private List<SpecificRecord> sent() {
        List<SpecificRecord> payloads = new ArrayList<>();
        for (var record : commands.readValuesToList()) {
            SignedCommand signed = (SignedCommand) record;
            assertThat(new CommandVerifier(List.of(keys.getPublic())).verify(signed)).isEqualTo(TrustedKeys.Verdict.VALID);
            payloads.add(AvroCodec.get().decode(CommandVerifier.bytes(signed.getPayload())));
        }
        return payloads;
    }

    private List<AuditRecord> audited(String type) {
        return audit.readValuesToList().stream().map(AuditRecord.class::cast).filter(a -> a.getType().equals(type)).toList();
    }

    @Test
    void disablingStopsNewApplicationsWithoutRemovingAndEnablingAppliesThem() {
        servers("exch01");
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(sent()).singleElement().isInstanceOf(ApplyCommand.class);

        policy(Policies.tenant(T).setMitigationsEnabled(false).build());
        servers("exch02");
        assertThat(sent()).as("nothing removed from exch01, nothing applied on exch02").isEmpty();
        assertThat(audited("decision.disabled")).singleElement().satisfies(a -> assertThat(a.getServerId()).isEqualTo("exch02"));

        policy(Policies.tenant(T).setMitigationsEnabled(true).build());
        assertThat(sent()).singleElement().isInstanceOfSatisfying(ApplyCommand.class, a -> assertThat(a.getServerId()).isEqualTo("exch02"));
    }

    /** A real agent that cannot read its server's build or updates says so; that keeps the mitigation in force. */
    @Test
    void aServerWhoseBuildAndUpdatesWereNotReadGetsTheMitigationAndKeepsIt() {
        server(ServerInventory.newBuilder(TestData.server(T, "exch01", "15.2.986.5", List.of())).setBuild(null).setInstalledUpdates(null)
                .setUnreadable(Map.of("build", "not read on this backend", "installedUpdates", "not read on this backend")).build());
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(sent()).singleElement().isInstanceOfSatisfying(ApplyCommand.class, a -> assertThat(a.getServerId()).isEqualTo("exch01"));

        server(ServerInventory.newBuilder(TestData.server(T, "exch01", "15.2.986.5", List.of())).setBuild(null).setInstalledUpdates(null).build());
        assertThat(sent()).as("reported again, still unknown: nothing removed").isEmpty();
    }

    @Test
    void aServerRuleIsMoreSpecificThanItsGroupAndTheTenant() {
        server(ServerInventory.newBuilder(TestData.server(T, "exch01", "15.2.986.5", List.of())).setServerGroup("dag-eu").build());
        server(ServerInventory.newBuilder(TestData.server(T, "exch02", "15.2.986.5", List.of())).setServerGroup("dag-eu").build());
        PolicyRules groupOff = PolicyRules.newBuilder().setMitigationsEnabled(false).build();
        PolicyRules serverOn = PolicyRules.newBuilder().setMitigationsEnabled(true).build();
        policy(Policies.tenant(T).setGroups(Map.of("dag-eu", groupOff)).setServers(Map.of("exch02", serverOn)).build());

        mitigations.pipeInput("M1.1", TestData.m11());

        assertThat(sent()).extracting(c -> ((ApplyCommand) c).getServerId()).containsExactly("exch02");
        assertThat(audited("decision.disabled")).singleElement().satisfies(a -> assertThat(a.getReason()).contains("group dag-eu"));
    }

    @Test
    void blockingRemovesWhereInForceAndUnblockingAppliesAgain() {
        servers("exch01");
        mitigations.pipeInput("M1.1", TestData.m11());
        sent();

        policy(Policies.tenant(T).setBlockedMitigations(List.of("M1.1")).build());
        assertThat(sent()).singleElement().isInstanceOfSatisfying(RemoveCommand.class, r -> {
            assertThat(r.getDecision().getKind()).isEqualTo(DecisionKind.ADMIN);
            assertThat(r.getDecision().getReason()).contains("blocked by tenant policy");
        });
        servers("exch02");
        assertThat(sent()).isEmpty();
        assertThat(audited("decision.blocked")).extracting(AuditRecord::getServerId).contains("exch02");

        policy(Policies.tenant(T).build());
        assertThat(sent()).extracting(c -> ((ApplyCommand) c).getServerId()).containsExactlyInAnyOrder("exch01", "exch02");
    }

    @Test
    void withApprovalRequiredNothingIsAppliedUntilApprovedAndTheCommandNamesTheApprover() {
        servers("exch01");
        policy(Policies.tenant(T).setApprovalRequired(true).build());
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(sent()).isEmpty();
        assertThat(audited("decision.awaiting-approval")).hasSize(1);

        admin.pipeInput(ControlKeys.approval(T, "M1.1"), Policies.approval(T, "M1.1", false, "bob", MONDAY_NOON.plus(Duration.ofDays(7))));
        assertThat(sent()).isEmpty();
        assertThat(audited("decision.rejected")).singleElement().satisfies(a -> assertThat(a.getReason()).contains("bob"));

        admin.pipeInput(ControlKeys.approval(T, "M1.1"), Policies.approval(T, "M1.1", true, "alice", MONDAY_NOON.plus(Duration.ofDays(7))));
        assertThat(sent()).singleElement().isInstanceOfSatisfying(ApplyCommand.class, a -> {
            assertThat(a.getDecision().getKind()).isEqualTo(DecisionKind.APPROVED);
            assertThat(a.getDecision().getDecidedBy()).isEqualTo("alice");
            assertThat(a.getDecision().getReason()).contains("CHG-1234");
        });
    }

    @Test
    void anExpiredApprovalAppliesNothing() {
        servers("exch01");
        policy(Policies.tenant(T).setApprovalRequired(true).build());
        admin.pipeInput(ControlKeys.approval(T, "M1.1"), Policies.approval(T, "M1.1", true, "alice", MONDAY_NOON.minus(Duration.ofMinutes(1))));
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(sent()).isEmpty();
        assertThat(audited("decision.awaiting-approval")).singleElement().satisfies(a -> assertThat(a.getReason()).contains("expired"));
    }

    @Test
    void outsideTheMaintenanceWindowChangesWaitUntilItOpens() {
        servers("exch01");
        // 22:00-04:00 Berlin; it is 13:00 there
        policy(Policies.tenant(T).setMaintenanceWindows(List.of(Policies.window("22:00", "04:00", "Europe/Berlin"))).build());
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(sent()).isEmpty();
        assertThat(audited("decision.deferred")).singleElement().satisfies(a -> assertThat(a.getReason()).contains("maintenance window"));

        driver.advanceWallClockTime(Duration.ofHours(8).plusMinutes(59));
        assertThat(sent()).as("21:59 in Berlin").isEmpty();
        driver.advanceWallClockTime(Duration.ofMinutes(2)); // 21:01 UTC = 22:01 in Berlin (CET)
        assertThat(sent()).singleElement().isInstanceOfSatisfying(ApplyCommand.class,
                a -> assertThat(a.getDecision().getKind()).isEqualTo(DecisionKind.AUTO_APPLY));
    }

    @Test
    void aKnownExploitedVulnerabilityIsMitigatedOutsideTheWindowAsAnEmergency() {
        servers("exch01");
        policy(Policies.tenant(T).setMaintenanceWindows(List.of(Policies.window("22:00", "04:00", "Europe/Berlin"))).build());
        MitigationPublished exploited = MitigationPublished.newBuilder(TestData.m11())
                .setExploitation(List.of(new CveExploitation("CVE-2022-41040", "2026.11.20", "2022-09-30", "2022-10-21", "Known"))).build();
        mitigations.pipeInput("M1.1", exploited);
        assertThat(sent()).singleElement().isInstanceOfSatisfying(ApplyCommand.class, a -> {
            assertThat(a.getDecision().getKind()).isEqualTo(DecisionKind.EMERGENCY);
            assertThat(a.getDecision().getReason()).contains("CVE-2022-41040");
        });
    }

    @Test
    void aStagedRolloutGoesCanaryThenHalfThenAllAndHaltsWhenTooManyFail() {
        server(ServerInventory.newBuilder(TestData.server(T, "canary01", "15.2.986.5", List.of())).setTags(List.of("canary")).build());
        servers("exch01", "exch02", "exch03", "exch04");
        policy(Policies.tenant(T).setRollout(Policies.rollout(List.of(50, 100), 0.25)).build());
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(sent()).extracting(c -> ((ApplyCommand) c).getServerId()).containsExactly("canary01");

        events.pipeInput("canary01", Policies.applied(T, "canary01", "M1.1"));
        List<String> stage1 = sent().stream().map(c -> ((ApplyCommand) c).getServerId()).toList();
        assertThat(stage1).hasSize(2).doesNotContain("canary01");
        assertThat(audited("rollout.stage")).singleElement().satisfies(a -> assertThat(a.getReason()).contains("stage 1 of 2 starts"));

        events.pipeInput(stage1.get(0), Policies.failed(T, stage1.get(0), "M1.1"));
        events.pipeInput(stage1.get(1), Policies.failed(T, stage1.get(1), "M1.1"));
        assertThat(sent()).as("halted: nothing for the last stage").isEmpty();
        assertThat(audited("decision.halted")).filteredOn(a -> a.getServerId() == null).singleElement()
                .satisfies(a -> assertThat(a.getReason()).contains("1 of 3 servers failed up to stage 1 (33% > 25% allowed)"));

        admin.pipeInput(ControlKeys.rollout(T, "M1.1"), Policies.rolloutControl(T, "M1.1", RolloutAction.RESUME));
        assertThat(sent()).as("resumed: the failures seen are accepted, the last stage starts").hasSize(2);
    }

    @Test
    void aCanaryWhoseHealthRegressedAfterApplyingHaltsTheRolloutNamingTheProbe() {
        server(ServerInventory.newBuilder(TestData.server(T, "canary01", "15.2.986.5", List.of())).setTags(List.of("canary")).build());
        servers("exch01", "exch02");
        policy(Policies.tenant(T).setRollout(Policies.rollout(List.of(100), 0.5)).build());
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(sent()).extracting(c -> ((ApplyCommand) c).getServerId()).containsExactly("canary01");

        String owaDown = "probe owa (https://exch-canary01/owa/auth/logon.aspx): 200 before, 503 after";
        events.pipeInput("canary01", MitigationApplied.newBuilder(Policies.applied(T, "canary01", "M1.1")).setHealth(new HealthVerdict(HealthStatus.REGRESSED,
                List.of(new HealthProbe("owa", "https://exch-canary01/owa/auth/logon.aspx", "200", "503", true)), owaDown)).build());
        assertThat(sent()).as("halted although the canary applied (and the failure threshold is far)").isEmpty();
        assertThat(audited("decision.halted")).filteredOn(a -> a.getServerId() == null).singleElement().satisfies(a -> {
            assertThat(a.getReason()).contains("health regressed after applying on 1 of 1 servers up to stage 0, first canary01 (" + owaDown + ")");
            assertThat(a.getDetails()).containsEntry("healthRegressed", "1");
        });

        admin.pipeInput(ControlKeys.rollout(T, "M1.1"), Policies.rolloutControl(T, "M1.1", RolloutAction.RESUME));
        assertThat(sent()).as("an operator accepted the regression: the next stage starts").hasSize(2);
    }

    @Test
    void aHealthyCanaryMovesTheRolloutOn() {
        server(ServerInventory.newBuilder(TestData.server(T, "canary01", "15.2.986.5", List.of())).setTags(List.of("canary")).build());
        servers("exch01");
        policy(Policies.tenant(T).setRollout(Policies.rollout(List.of(100), 0.5)).build());
        mitigations.pipeInput("M1.1", TestData.m11());
        sent();
        events.pipeInput("canary01", MitigationApplied.newBuilder(Policies.applied(T, "canary01", "M1.1")).setHealth(new HealthVerdict(HealthStatus.HEALTHY,
                List.of(new HealthProbe("owa", "https://exch-canary01/owa/auth/logon.aspx", "200", "200", false)), "every probe answers")).build());
        assertThat(sent()).extracting(c -> ((ApplyCommand) c).getServerId()).containsExactly("exch01");
    }

    @Test
    void nothingIsSentThatTheServersBackendSaysItRefuses() {
        server(ServerInventory.newBuilder(TestData.server(T, "iis01", "15.2.986.5", List.of())).setBackend("iis")
                .setRefusals(Map.of(Refusals.SHADOW_MODE, "log-only rules need IIS to log their marks, and it cannot: site 'Default Web Site' logs in IIS format")).build());
        server(ServerInventory.newBuilder(TestData.server(T, "nginx01", "15.2.986.5", List.of())).setBackend("nginx").build());
        server(ServerInventory.newBuilder(TestData.server(T, "proxy01", "15.2.986.5", List.of())).setBackend("proxy")
                .setRefusals(Map.of("BLOCK_REQUESTS", "this proxy cannot filter requests")).build());
        policy(Policies.tenant(T).setShadowMode(true).build());
        mitigations.pipeInput("M1.1", TestData.m11());

        assertThat(sent()).extracting(c -> ((ApplyCommand) c).getServerId()).containsExactly("nginx01");
        assertThat(audited("decision.blocked")).extracting(AuditRecord::getServerId, AuditRecord::getReason).containsExactlyInAnyOrder(
                tuple("iis01", "the iis backend of iis01 refuses SHADOW_MODE: log-only rules need IIS to log their marks, and it cannot: site 'Default Web Site' logs in IIS format (reported with its inventory): not sent"),
                tuple("proxy01", "the proxy backend of proxy01 refuses BLOCK_REQUESTS: this proxy cannot filter requests (reported with its inventory): not sent"));

        policy(Policies.tenant(T).setShadowMode(false).build());
        assertThat(sent()).as("enforcing: IIS can, the proxy still cannot").extracting(c -> ((ApplyCommand) c).getServerId())
                .containsExactlyInAnyOrder("iis01", "nginx01");
    }

    @Test
    void aPausedRolloutSendsNothingUntilResumed() {
        server(ServerInventory.newBuilder(TestData.server(T, "canary01", "15.2.986.5", List.of())).setTags(List.of("canary")).build());
        servers("exch01", "exch02");
        policy(Policies.tenant(T).setRollout(Policies.rollout(List.of(100), 0.5)).build());
        mitigations.pipeInput("M1.1", TestData.m11());
        sent();
        admin.pipeInput(ControlKeys.rollout(T, "M1.1"), Policies.rolloutControl(T, "M1.1", RolloutAction.PAUSE));
        events.pipeInput("canary01", Policies.applied(T, "canary01", "M1.1"));
        assertThat(sent()).isEmpty();
        admin.pipeInput(ControlKeys.rollout(T, "M1.1"), Policies.rolloutControl(T, "M1.1", RolloutAction.RESUME));
        assertThat(sent()).hasSize(2);
    }

    @Test
    void shadowModeDeploysLogOnlyAndEnforcingLaterSendsANewCommand() {
        servers("exch01");
        policy(Policies.tenant(T).setShadowMode(true).build());
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(sent()).singleElement().isInstanceOfSatisfying(ApplyCommand.class, a -> {
            assertThat(a.getShadowMode()).isTrue();
            assertThat(a.getDecision().getReason()).contains("shadow mode");
        });
        policy(Policies.tenant(T).setShadowMode(false).setDriftReportOnly(true).build());
        assertThat(sent()).singleElement().isInstanceOfSatisfying(ApplyCommand.class, a -> {
            assertThat(a.getShadowMode()).isFalse();
            assertThat(a.getDriftReportOnly()).isTrue();
            assertThat(a.getSequence()).isEqualTo(2);
        });
    }

    @Test
    void theGlobalKillSwitchStopsAMitigationForEveryTenantAndCanRemoveIt() {
        servers("exch01");
        mitigations.pipeInput("M1.1", TestData.m11());
        sent();
        admin.pipeInput(ControlKeys.killSwitch("M1.1"), new MitigationKillSwitch("M1.1", true, true, "msp-soc", "breaks OWA", MONDAY_NOON));
        assertThat(sent()).singleElement().isInstanceOfSatisfying(RemoveCommand.class,
                r -> assertThat(r.getDecision().getReason()).contains("kill switch: breaks OWA"));
        servers("exch02");
        assertThat(sent()).isEmpty();
        admin.pipeInput(ControlKeys.killSwitch("M1.1"), new MitigationKillSwitch("M1.1", false, false, "msp-soc", "fixed in r2", MONDAY_NOON));
        assertThat(sent()).hasSize(2);
    }

    /** A trusted feed still cannot stop a service on a tenant's servers unless that tenant named the service. */
    @Test
    void aServiceIsStoppedOnlyWhereTheTenantsPolicyAllowsItByName() {
        servers("exch01");
        var definition = io.tourniquet.schemas.MitigationDefinition.newBuilder(TestData.m11().getDefinition()).setId("M9.1")
                .setActions(List.of(new io.tourniquet.schemas.DisableService("MSExchangeUM"))).build();
        var stopsAService = io.tourniquet.schemas.MitigationPublished.newBuilder(TestData.m11()).setDefinition(definition)
                .setDefinitionDigest(io.tourniquet.schemas.crypto.Digests.of(definition)).build();
        mitigations.pipeInput("M9.1", stopsAService);
        assertThat(commands.readValuesToList()).as("not allowed: nothing sent").isEmpty();
        assertThat(audit.readValuesToList()).extracting(r -> (AuditRecord) r)
                .anySatisfy(r -> {
                    assertThat(r.getType()).isEqualTo("decision.blocked");
                    assertThat(r.getReason()).contains("service:MSExchangeUM").contains("allowedWindowsChanges");
                });

        policy(Policies.tenant(T).setAllowedWindowsChanges(List.of("service:MSExchangeUM")).build());
        assertThat(commands.readValuesToList()).as("allowed by name: commanded").hasSize(1);
    }

    @Test
    void anAdminCanRemoveFromOneServerAndReapplyThere() {
        servers("exch01", "exch02");
        mitigations.pipeInput("M1.1", TestData.m11());
        sent();
        admin.pipeInput(ControlKeys.server(T, "exch01", "M1.1"),
                new io.tourniquet.schemas.ServerOverride(T, "exch01", "M1.1", OverrideAction.REMOVE, "alice", "breaks a legacy client", MONDAY_NOON));
        assertThat(sent()).singleElement().isInstanceOfSatisfying(RemoveCommand.class, r -> assertThat(r.getServerId()).isEqualTo("exch01"));
        admin.pipeInput(ControlKeys.server(T, "exch01", "M1.1"),
                new io.tourniquet.schemas.ServerOverride(T, "exch01", "M1.1", OverrideAction.REAPPLY, "alice", "client updated", MONDAY_NOON.plusSeconds(60)));
        assertThat(sent()).singleElement().isInstanceOfSatisfying(ApplyCommand.class,
                a -> assertThat(a.getDecision().getReason()).contains("re-applied by alice"));
    }

    @Test
    void aMitigationIsRemovedWhenThePolicysLifetimeForItEnds() {
        servers("exch01");
        policy(Policies.tenant(T).setMitigationLifetimeDays(30).build());
        mitigations.pipeInput("M1.1", MitigationPublished.newBuilder(TestData.m11()).setPublishedAt(MONDAY_NOON).build());
        assertThat(sent()).singleElement().isInstanceOf(ApplyCommand.class);
        driver.advanceWallClockTime(Duration.ofDays(30));
        assertThat(sent()).singleElement().isInstanceOfSatisfying(RemoveCommand.class,
                r -> assertThat(r.getDecision().getKind()).isEqualTo(DecisionKind.EXPIRED));
    }
}
