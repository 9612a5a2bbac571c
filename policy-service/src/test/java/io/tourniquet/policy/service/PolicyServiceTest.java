package io.tourniquet.policy.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.policy.Enrol;
import io.tourniquet.policy.TestData;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.crypto.CommandVerifier;
import io.tourniquet.schemas.crypto.TrustedKeys;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class PolicyServiceTest {

    private static final CommandVerifier VERIFIER = new CommandVerifier(
            List.of(Ed25519Keys.readPublic(Path.of("src/test/resources/keys/test-policy-signing.pub"))));

    private static String kafka() {
        return KafkaBrokerResource.bootstrapServers();
    }

    @Test
    void commandsReachTheTenantsTopicSignedAndAPoisonMessageIsDeadLetteredWithoutStoppingTheFlow() {
        TopicRecords.sendRaw(kafka(), Topics.agentEvents("tenant-b"), "exch-poison", "{not avro}".getBytes(StandardCharsets.UTF_8));
        Enrol.servers("tenant-b", "exch01");
        TopicRecords.sendAsAgent(kafka(), TestData.server("tenant-b", "exch01", "15.2.986.5", List.of()));
        TopicRecords.send(kafka(), Topics.MITIGATIONS, "M1.1", TestData.m11());

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                TopicRecords.values(kafka(), Topics.commands("tenant-b"), SignedCommand.class)).singleElement().satisfies(signed -> {
                    assertThat(VERIFIER.verify(signed)).isEqualTo(TrustedKeys.Verdict.VALID);
                    var apply = AvroCodec.get().decode(CommandVerifier.bytes(signed.getPayload()), ApplyCommand.class);
                    assertThat(apply.getServerId()).isEqualTo("exch01");
                    assertThat(apply.getDefinition().getId()).isEqualTo("M1.1");
                }));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                TopicRecords.readRaw(kafka(), Topics.POLICY_DEAD_LETTERS)).singleElement().satisfies(dead -> {
                    assertThat(dead.key()).isEqualTo("exch-poison");
                    assertThat(new String(dead.raw(), StandardCharsets.UTF_8)).isEqualTo("{not avro}");
                    assertThat(dead.headers().get(Topics.DLQ_REASON_HEADER)).contains("not Avro single-object encoding");
                    assertThat(dead.headers().get(Topics.DLQ_ORIGIN_HEADER)).startsWith(Topics.agentEvents("tenant-b"));
                }));
    }
}
