package io.tourniquet.policy.packaged;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tourniquet.devstack.EmbeddedKafkaBroker;
import io.tourniquet.devstack.ServiceProcess;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.policy.TestData;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.RemoveCommand;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.crypto.CommandVerifier;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged policy service is stopped; while it is down a server is patched and a new mitigation is published.
 * Started again on an empty disk (its state comes back from Kafka), it sends exactly what changed — the removal from
 * the patched server and the new mitigation — and nothing it had sent before.
 */
class PolicyRestartIT {

    private static final String TENANT = "restart-co";
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static String kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void broker() {
        kafka = KafkaBrokerResource.withTopicsOf(List.of(TENANT));
    }

    private ServiceProcess startPolicy(String run) throws IOException {
        var policy = ServiceProcess.start("policy-service", JAR, EmbeddedKafkaBroker.freePort(), Map.of(), Map.of(
                "kafka.bootstrap.servers", kafka,
                "tourniquet.policy.signing-key-file", Path.of("src/test/resources/keys/test-policy-signing.key").toAbsolutePath().toString(),
                "tourniquet.policy.signing-public-key-file", Path.of("src/test/resources/keys/test-policy-signing.pub").toAbsolutePath().toString(),
                "tourniquet.policy.tenants", TENANT,
                "kafka-streams.state.dir", dir.resolve("streams-" + run).toString()),
                Path.of("target/it-logs/policy-restart-" + run), "256m");
        policy.awaitReady(Duration.ofSeconds(90));
        return policy;
    }

    private static String serverOf(SpecificRecord command) {
        return command instanceof ApplyCommand a ? a.getServerId() : ((RemoveCommand) command).getServerId();
    }

    private static long sequenceOf(SpecificRecord command) {
        return command instanceof ApplyCommand a ? a.getSequence() : ((RemoveCommand) command).getSequence();
    }

    @Test
    void afterARestartOnAnEmptyDiskOnlyWhatChangedWhileItWasDownIsSent() throws Exception {
        TopicRecords.enrol(kafka, TENANT, "exch01", "exch02"); // before the service starts: its global store has them from the start
        TopicRecords.sendAsAgent(kafka, TestData.server(TENANT, "exch01", "15.2.986.5", List.of()));
        TopicRecords.sendAsAgent(kafka, TestData.server(TENANT, "exch02", "15.2.986.5", List.of()));
        TopicRecords.send(kafka, Topics.MITIGATIONS, "M1.1", TestData.m11());
        try (var policy = startPolicy("first")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> commands().size() == 2);
        }

        TopicRecords.sendAsAgent(kafka, TestData.server(TENANT, "exch02", "15.2.986.5", List.of("KB5019758")));
        TopicRecords.send(kafka, Topics.MITIGATIONS, "M9.9", otherMitigation());

        try (var policy = startPolicy("second")) {
            await().atMost(Duration.ofSeconds(90)).until(() -> commands().size() >= 5);
            TopicRecords.assertStaysAt(kafka, Topics.commands(TENANT), 5); // and no late sixth
            List<SpecificRecord> all = commands();
            assertThat(all.subList(0, 2)).allSatisfy(c -> assertThat(((ApplyCommand) c).getDefinition().getId()).isEqualTo("M1.1"));
            // the patch and the new mitigation happened while it was down, in no order the service can know
            List<SpecificRecord> after = all.subList(2, 5);
            assertThat(after).filteredOn(RemoveCommand.class::isInstance).singleElement().satisfies(c -> {
                assertThat(((RemoveCommand) c).getServerId()).isEqualTo("exch02");
                assertThat(((RemoveCommand) c).getDefinition().getId()).isEqualTo("M1.1");
            });
            assertThat(after).filteredOn(ApplyCommand.class::isInstance).extracting(c -> ((ApplyCommand) c).getServerId() + ":" + ((ApplyCommand) c).getDefinition().getId())
                    .containsExactlyInAnyOrder("exch01:M9.9", "exch02:M9.9");
            // each server's sequence goes on from where it was, though the new instance started with no state on disk
            assertThat(after).filteredOn(c -> serverOf(c).equals("exch01")).extracting(PolicyRestartIT::sequenceOf).containsExactly(2L);
            assertThat(after).filteredOn(c -> serverOf(c).equals("exch02")).extracting(PolicyRestartIT::sequenceOf).containsExactlyInAnyOrder(2L, 3L);
        }
    }

    private static List<SpecificRecord> commands() {
        return TopicRecords.values(kafka, Topics.commands(TENANT), SignedCommand.class).stream()
                .map(s -> (SpecificRecord) AvroCodec.get().decode(CommandVerifier.bytes(s.getPayload()))).toList();
    }

    /** A second mitigation for every Exchange build, not fixed by the update that fixes M1.1. */
    private static MitigationPublished otherMitigation() {
        MitigationPublished m11 = TestData.m11();
        MitigationDefinition definition = MitigationDefinition.newBuilder().setId("M9.9").setRevision(1).setTitle("another")
                .setProduct("Exchange").setCves(List.of()).setApplicableBuilds(List.of()).setFixedBy(List.of())
                .setActions(m11.getDefinition().getActions()).build();
        return MitigationPublished.newBuilder().setEventId("m99").setDefinition(definition).setDefinitionDigest(Digests.of(definition))
                .setEvidence(m11.getEvidence()).setPublishedAt(m11.getPublishedAt()).setExploitation(List.of()).build();
    }

}
