package io.tourniquet.agent.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.agent.Commands;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.schemas.AgentHeartbeat;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationSkipped;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.SkipReason;
import io.tourniquet.schemas.crypto.AgentEventSignatures;
import io.tourniquet.schemas.crypto.AgentIdentityFiles;
import io.tourniquet.schemas.crypto.DefinitionSignatures;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.SigningKey;
import io.tourniquet.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.agent.config.AgentConfig;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, initArgs = @ResourceArg(name = KafkaBrokerResource.TENANTS_ARG, value = "tenant-a"))
class AgentServiceTest {

    @Inject
    AgentConfig config;

    private static String kafka() {
        return KafkaBrokerResource.bootstrapServers();
    }

    @Test
    void reportsInventoryThenExecutesOnlyGenuineCommandsAndReportsEveryOutcome() {
        String events = Topics.agentEvents("tenant-a");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(TopicRecords.values(kafka(), events, ServerInventory.class)).extracting(ServerInventory::getServerId).contains("exch01", "exch02");
            assertThat(TopicRecords.values(kafka(), events, AgentHeartbeat.class)).extracting(AgentHeartbeat::getServerId).contains("exch01", "exch02");
        });

        String commands = Topics.commands("tenant-a");
        TopicRecords.sendRaw(kafka(), commands, "exch02", "garbage".getBytes(StandardCharsets.UTF_8));
        // a readable message of another type is no command either: the channel takes SignedCommand only
        TopicRecords.send(kafka(), commands, "exch01", AuditEvents.builder("intruder", AuditType.DECISION_APPLY, "commanded", "intruder").build());
        TopicRecords.send(kafka(), commands, "exch01", Commands.forged(Commands.apply("tenant-a", "exch01", 1).build()));
        TopicRecords.send(kafka(), commands, "exch02", Commands.signed(Commands.apply("tenant-b", "exch02", 1).build()));
        TopicRecords.send(kafka(), commands, "exch01", Commands.signed(Commands.apply("tenant-a", "exch01", 1).build()));
        TopicRecords.send(kafka(), commands, "exch-other", Commands.signed(Commands.apply("tenant-a", "exch-other", 1).build()));
        // signed with the real policy key, but the definition lacks the publisher's signature, or carries a foreign one
        TopicRecords.send(kafka(), commands, "exch02", Commands.signed(Commands.apply("tenant-a", "exch02", 1).setDefinitionSignature(null).build()));
        var foreign = DefinitionSignatures.sign(new SigningKey(Commands.ATTACKER_KEYS), Digests.of(Commands.m11()));
        TopicRecords.send(kafka(), commands, "exch02", Commands.signed(Commands.apply("tenant-a", "exch02", 2).setDefinitionSignature(foreign).build()));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(TopicRecords.values(kafka(), events, MitigationApplied.class)).singleElement()
                    .satisfies(a -> assertThat(a.getServerId()).isEqualTo("exch01"));
            assertThat(TopicRecords.values(kafka(), events, MitigationSkipped.class)).extracting(MitigationSkipped::getReason)
                    .containsExactlyInAnyOrder(SkipReason.UNREADABLE, SkipReason.UNREADABLE, SkipReason.UNKNOWN_KEY, SkipReason.WRONG_TENANT,
                            SkipReason.UNSIGNED_DEFINITION, SkipReason.UNTRUSTED_DEFINITION);
            assertThat(TopicRecords.values(kafka(), events, MitigationSkipped.class)).filteredOn(m -> m.getReason() == SkipReason.UNREADABLE)
                    .extracting(MitigationSkipped::getDetail).anySatisfy(d -> assertThat(d).contains("not Avro single-object encoding"))
                    .anySatisfy(d -> assertThat(d).contains("expected SignedCommand but got AuditRecord"));
            // durable by default: what was applied, and the sequence a replay is refused against, is on disk
            assertThat(config.stateDir().resolve("exch01.json")).isRegularFile().content().contains("\"lastSequence\":1");
        });
        // every report is signed with the reporting server's own key, made in the state directory (enrolment registers its public half)
        String exch01Key = Ed25519Keys.keyId(AgentIdentityFiles.publicKey(config.stateDir(), "exch01"));
        String exch02Key = Ed25519Keys.keyId(AgentIdentityFiles.publicKey(config.stateDir(), "exch02"));
        assertThat(exch01Key).isNotEqualTo(exch02Key);
        assertThat(TopicRecords.readAll(kafka(), events)).isNotEmpty().allSatisfy(r -> assertThat(r.headers())
                .containsEntry(AgentEventSignatures.KEY_ID_HEADER, r.key().equals("exch01") ? exch01Key : exch02Key)
                .containsKey(AgentEventSignatures.SIGNATURE_HEADER));
    }
}
