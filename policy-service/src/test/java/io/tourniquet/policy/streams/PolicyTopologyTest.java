package io.tourniquet.policy.streams;

import io.tourniquet.policy.AgentEventsInput;
import io.tourniquet.testsupport.TestAgents;
import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.policy.TestData;
import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.schemas.AgentHeartbeat;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.DecisionKind;
import io.tourniquet.schemas.DriftDetected;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationWithdrawn;
import io.tourniquet.schemas.RemoveCommand;
import io.tourniquet.schemas.ServerInventory;
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
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PolicyTopologyTest {

    private final KeyPair keys = Ed25519Keys.generate();
    private TopologyTestDriver driver;
    private TestInputTopic<String, SpecificRecord> mitigations;
    private AgentEventsInput tenantAEvents;
    private AgentEventsInput tenantBEvents;
    private TestOutputTopic<String, SpecificRecord> tenantACommands;
    private TestOutputTopic<String, SpecificRecord> audit;

    @BeforeEach
    void start() throws Exception {
        Properties props = TestData.driverProperties();
        driver = new TopologyTestDriver(PolicyTopology.build(new CommandFactory(new CommandSigner(keys), Duration.ofDays(7)), Duration.ofSeconds(30)), props);
        var serde = new AvroSerde();
        mitigations = driver.createInputTopic(Topics.MITIGATIONS, Serdes.String().serializer(), serde.serializer());
        tenantAEvents = new AgentEventsInput(driver, "tenant-a");
        tenantBEvents = new AgentEventsInput(driver, "tenant-b");
        tenantACommands = driver.createOutputTopic(Topics.commands("tenant-a"), Serdes.String().deserializer(), serde.deserializer());
        audit = driver.createOutputTopic(Topics.AUDIT, Serdes.String().deserializer(), serde.deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private SpecificRecord verifiedPayload(SpecificRecord value) {
        SignedCommand signed = (SignedCommand) value;
        assertThat(new CommandVerifier(List.of(keys.getPublic())).verify(signed)).isEqualTo(TrustedKeys.Verdict.VALID);
        return AvroCodec.get().decode(CommandVerifier.bytes(signed.getPayload()));
    }

    /** A policy service whose sequence store is gone continues above what the agent accepted, not at 1 (a replay to it). */
    @Test
    void theNextSequenceFollowsWhatTheServerSaysItLastAccepted() {
        tenantAEvents.pipeInput("exch01", ServerInventory.newBuilder(TestData.server("tenant-a", "exch01", "15.2.986.5", List.of()))
                .setLastSequence(41L).build());
        mitigations.pipeInput("M1.1", TestData.m11());
        var apply = (ApplyCommand) verifiedPayload(tenantACommands.readValue());
        assertThat(apply.getSequence()).isEqualTo(42);
    }

    @Test
    void aNewMitigationBecomesOneSignedApplyCommandPerAffectedServer() {
        tenantAEvents.pipeInput("exch01", TestData.server("tenant-a", "exch01", "15.2.986.5", List.of()));
        tenantAEvents.pipeInput("exch02", TestData.server("tenant-a", "exch02", "15.2.1118.7", List.of()));
        tenantAEvents.pipeInput("exch03", TestData.server("tenant-a", "exch03", "15.2.1118.20", List.of())); // fixed build
        MitigationPublished m11 = TestData.m11();
        mitigations.pipeInput("M1.1", m11);

        var commands = tenantACommands.readKeyValuesToList();
        assertThat(commands).extracting(kv -> kv.key).containsExactlyInAnyOrder("exch01", "exch02");
        var apply = (ApplyCommand) verifiedPayload(commands.get(0).value);
        assertThat(apply.getTenantId()).isEqualTo("tenant-a");
        assertThat(apply.getServerId()).isEqualTo(commands.get(0).key);
        assertThat(apply.getSequence()).isEqualTo(1);
        assertThat(apply.getDefinition()).isEqualTo(m11.getDefinition());
        assertThat(apply.getDefinitionDigest()).isEqualTo(m11.getDefinitionDigest());
        assertThat(apply.getEvidence()).isEqualTo(m11.getEvidence());
        assertThat(apply.getDecision().getKind()).isEqualTo(DecisionKind.AUTO_APPLY);
        assertThat(apply.getExpiresAt()).isAfter(Instant.now().plus(Duration.ofDays(6)));
        assertThat(audit.readValuesToList()).filteredOn(a -> ((AuditRecord) a).getType().equals("decision.apply")).hasSize(2);
    }

    @Test
    void theSameInputTwiceEmitsNothingNew() {
        var inventory = TestData.server("tenant-a", "exch01", "15.2.986.5", List.of());
        tenantAEvents.pipeInput("exch01", inventory);
        mitigations.pipeInput("M1.1", TestData.m11());
        tenantAEvents.pipeInput("exch01", inventory);
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(tenantACommands.readKeyValuesToList()).hasSize(1);
    }

    @Test
    void aServerPatchedAfterwardsGetsTheMitigationRemoved() {
        tenantAEvents.pipeInput("exch01", TestData.server("tenant-a", "exch01", "15.2.986.5", List.of()));
        mitigations.pipeInput("M1.1", TestData.m11());
        tenantAEvents.pipeInput("exch01", TestData.server("tenant-a", "exch01", "15.2.986.5", List.of("KB5019758")));

        var commands = tenantACommands.readValuesToList().stream().map(this::verifiedPayload).collect(Collectors.toList());
        assertThat(commands).hasSize(2);
        assertThat(commands.get(1)).isInstanceOfSatisfying(RemoveCommand.class, remove -> {
            assertThat(remove.getSequence()).isEqualTo(2);
            assertThat(remove.getDecision().getKind()).isEqualTo(DecisionKind.PATCHED);
            assertThat(remove.getDefinition().getId()).isEqualTo("M1.1");
        });
    }

    @Test
    void aWithdrawnMitigationIsRemovedEverywhere() {
        tenantAEvents.pipeInput("exch01", TestData.server("tenant-a", "exch01", "15.2.986.5", List.of()));
        mitigations.pipeInput("M1.1", TestData.m11());
        mitigations.pipeInput("M1.1", MitigationWithdrawn.newBuilder().setEventId("w").setMitigationId("M1.1").setRevision(1)
                .setReason("superseded").setEvidence(TestData.m11().getEvidence()).setWithdrawnAt(Instant.now()).build());
        var commands = tenantACommands.readValuesToList().stream().map(this::verifiedPayload).toList();
        assertThat(commands).hasSize(2);
        assertThat(((RemoveCommand) commands.get(1)).getDecision().getKind()).isEqualTo(DecisionKind.WITHDRAWN);
    }

    @Test
    void anInvalidServerIdIsRejectedAndTheOtherServersAreStillServed() {
        tenantAEvents.pipeInput("bad", TestData.server("tenant-a", "exch01; rm -rf /", "15.2.986.5", List.of()));
        tenantAEvents.pipeInput("exch02", TestData.server("tenant-a", "exch02", "15.2.986.5", List.of()));
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(tenantACommands.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("exch02");
        assertThat(audit.readValuesToList()).anySatisfy(a -> assertThat(((AuditRecord) a).getReason()).contains("invalid server id"));
    }

    @Test
    void anAgentCannotSpeakForAnotherTenant() {
        tenantBEvents.pipeInput("exch01", TestData.server("tenant-a", "exch01", "15.2.986.5", List.of()));
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(tenantACommands.isEmpty()).isTrue();
        assertThat(audit.readValuesToList()).anySatisfy(a -> {
            assertThat(((AuditRecord) a).getType()).isEqualTo("inventory.rejected");
            assertThat(((AuditRecord) a).getTenantId()).isEqualTo("tenant-b");
        });
    }

    /**
     * exch02's agent (same tenant, its own genuine key) reports exch01 "patched" to have exch01's mitigation removed:
     * refused and audited, and exch01 keeps its mitigation. A server whose enrolment was revoked is refused the same way.
     */
    @Test
    void aForgedInventoryForAnotherServerIsRefusedAndAudited() {
        tenantAEvents.pipeInput("exch01", TestData.server("tenant-a", "exch01", "15.2.986.5", List.of()));
        tenantAEvents.pipeInput("exch02", TestData.server("tenant-a", "exch02", "15.2.986.5", List.of()));
        mitigations.pipeInput("M1.1", TestData.m11());
        assertThat(tenantACommands.readKeyValuesToList()).extracting(kv -> kv.key).containsExactlyInAnyOrder("exch01", "exch02");
        audit.readValuesToList();

        tenantAEvents.pipeSignedBy("tenant-a", "exch02", "exch01", TestData.server("tenant-a", "exch01", "15.2.986.5", List.of("KB5019758")));

        assertThat(tenantACommands.isEmpty()).as("no removal for exch01").isTrue();
        assertThat(audit.readValuesToList()).singleElement().satisfies(a -> {
            AuditRecord refused = (AuditRecord) a;
            assertThat(refused.getType()).isEqualTo("agent-event.refused");
            assertThat(refused.getTenantId()).isEqualTo("tenant-a");
            assertThat(refused.getServerId()).isEqualTo("exch01");
            assertThat(refused.getReason()).contains("ServerInventory").contains("signed with key")
                    .contains(Ed25519Keys.keyId(TestAgents.keys("tenant-a", "exch02").getPublic()));
        });

        // a server whose enrolment was revoked is not heard, even with the key it had
        tenantAEvents.pipeInput("exch09", TestData.server("tenant-a", "exch09", "15.2.986.5", List.of()));
        assertThat(tenantACommands.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("exch09");
        driver.createInputTopic(Topics.AGENT_ENROLMENTS, Serdes.String().serializer(), new AvroSerde().serializer())
                .pipeInput(Topics.enrolmentKey("tenant-a", "exch09"), null);
        tenantAEvents.pipeInput("exch09", TestData.server("tenant-a", "exch09", "15.2.986.5", List.of("KB5019758")));
        assertThat(tenantACommands.isEmpty()).as("no removal for a revoked server").isTrue();
        assertThat(audit.readValuesToList()).extracting(a -> ((AuditRecord) a).getReason())
                .anySatisfy(r -> assertThat(r).contains("exch09").contains("not enrolled"));
    }

    /** Heartbeats and drift reports are the audit service's: the policy does not act on them, nor route them. */
    @Test
    void onlyTheEventsTheDesiredStateActsOnAreRouted() {
        TestOutputTopic<String, SpecificRecord> routed = driver.createOutputTopic(Topics.POLICY_SERVER_EVENTS, Serdes.String().deserializer(),
                new AvroSerde().deserializer());
        tenantAEvents.pipeInput("exch01", AgentHeartbeat.newBuilder().setEventId("h1").setTenantId("tenant-a").setServerId("exch01")
                .setLastSequence(0).setEnforcement(List.of()).setReportedAt(Instant.now()).build());
        tenantAEvents.pipeInput("exch01", DriftDetected.newBuilder().setEventId("d1").setTenantId("tenant-a").setServerId("exch01")
                .setMitigationId("M1.1").setRevision(1).setExpectedDigest("a").setActualDigest("b").setCorrected(true).setDetectedAt(Instant.now())
                .build());
        tenantAEvents.pipeInput("exch01", TestData.server("tenant-a", "exch01", "15.2.986.5", List.of()));

        assertThat(routed.readValuesToList()).singleElement().isInstanceOf(ServerInventory.class);
    }

    /** Any agent of a tenant may write its event topic: a record without a value must not stop the policy for every tenant. */
    @Test
    void aRecordWithoutAValueIsIgnoredAndTheNextEventIsHeard() {
        driver.createInputTopic(Topics.agentEvents("tenant-a"), Serdes.String().serializer(), new AvroSerde().serializer()).pipeInput("exch01", null);
        tenantAEvents.pipeInput("exch01", TestData.server("tenant-a", "exch01", "15.2.986.5", List.of()));
        mitigations.pipeInput("M1.1", TestData.m11());

        assertThat(tenantACommands.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("exch01");
    }
}
