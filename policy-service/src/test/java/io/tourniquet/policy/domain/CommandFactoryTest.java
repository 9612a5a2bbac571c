package io.tourniquet.policy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.policy.TestData;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.DecisionKind;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.crypto.CommandSigner;
import io.tourniquet.schemas.crypto.CommandVerifier;
import io.tourniquet.schemas.crypto.TrustedKeys;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.serde.AvroCodec;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.policy.CommandAction;
import io.tourniquet.schemas.policy.CommandedState;

class CommandFactoryTest {

    private final KeyPair keys = Ed25519Keys.generate();
    private final CommandVerifier verifier = new CommandVerifier(List.of(keys.getPublic()));

    private ApplyCommand issue(SignedCommand signed) {
        assertThat(verifier.verify(signed)).isEqualTo(TrustedKeys.Verdict.VALID);
        return AvroCodec.get().decode(CommandVerifier.bytes(signed.getPayload()), ApplyCommand.class);
    }

    @Test
    void theCommandCarriesEverythingTheAgentVerifiesIndependently() {
        var outcome = new PolicyEngine.Outcome(PolicyEngine.Action.APPLY, AuditType.DECISION_APPLY, DecisionKind.APPROVED, "alice", "approved: CHG-1",
                new CommandedState(CommandAction.APPLY, 1, "digest", true, true, null), true, true);
        var m11 = TestData.m11();
        ApplyCommand command = issue(new CommandFactory(new CommandSigner(keys), Duration.ofDays(7)).apply("acme", "exch01", 42, m11, outcome).signed());
        assertThat(command.getTenantId()).isEqualTo("acme");
        assertThat(command.getServerId()).isEqualTo("exch01");
        assertThat(command.getSequence()).isEqualTo(42);
        assertThat(command.getDefinition().getId()).isEqualTo("M1.1");
        assertThat(command.getDefinition().getRevision()).isEqualTo(1);
        assertThat(command.getDefinitionDigest()).isEqualTo(m11.getDefinitionDigest());
        assertThat(command.getDefinitionSignature()).as("the publisher's signature travels to the agent").isNotNull()
                .isEqualTo(m11.getPublisherSignature());
        assertThat(command.getEvidence()).isEqualTo(m11.getEvidence());
        assertThat(command.getDecision().getKind()).isEqualTo(DecisionKind.APPROVED);
        assertThat(command.getDecision().getDecidedBy()).isEqualTo("alice");
        assertThat(command.getShadowMode()).isTrue();
        assertThat(command.getDriftReportOnly()).isTrue();
        assertThat(command.getExpiresAt()).isBetween(Instant.now().plus(Duration.ofDays(6)), Instant.now().plus(Duration.ofDays(8)));
    }

    /** Change any one field of the signed payload (as an attacker on the topic could): the signature no longer verifies. */
    @Test
    void theSignatureCoversEveryFieldOfTheCommand() {
        var outcome = new PolicyEngine.Outcome(PolicyEngine.Action.APPLY, AuditType.DECISION_APPLY, DecisionKind.AUTO_APPLY, "policy-service", "auto",
                new CommandedState(CommandAction.APPLY, 1, "digest", false, false, null), false, false);
        SignedCommand signed = new CommandFactory(new CommandSigner(keys), Duration.ofDays(7)).apply("acme", "exch01", 1, TestData.m11(), outcome).signed();
        ApplyCommand original = issue(signed);
        Schema schema = ApplyCommand.getClassSchema();
        for (Schema.Field field : schema.getFields()) {
            GenericRecord tampered = (GenericRecord) GenericData.get().deepCopy(schema, toGeneric(original));
            tampered.put(field.pos(), changed(field.schema(), tampered.get(field.pos())));
            ApplyCommand forged = (ApplyCommand) SpecificData.get().deepCopy(schema, tampered);
            SignedCommand replayed = new SignedCommand(signed.getKeyId(), ByteBuffer.wrap(AvroCodec.get().encode(forged)), signed.getSignature());
            assertThat(verifier.verify(replayed)).as("changed " + field.name()).isEqualTo(TrustedKeys.Verdict.BAD_SIGNATURE);
        }
    }

    private static GenericRecord toGeneric(ApplyCommand command) {
        return (GenericRecord) GenericData.get().deepCopy(ApplyCommand.getClassSchema(), command);
    }

    /** A different value of the same type. */
    private static Object changed(Schema schema, Object value) {
        return switch (schema.getType()) {
            case STRING -> value + "x";
            case LONG -> value instanceof Instant instant ? instant.plusMillis(1) : ((Long) value) + 1;
            case INT -> ((Integer) value) + 1;
            case BOOLEAN -> !((Boolean) value);
            case ENUM -> new GenericData.EnumSymbol(schema, schema.getEnumSymbols().stream().filter(sym -> !sym.equals(value.toString())).findFirst().orElseThrow());
            case RECORD -> {
                GenericRecord record = (GenericRecord) GenericData.get().deepCopy(schema, value);
                Schema.Field first = schema.getFields().get(0);
                record.put(first.pos(), changed(first.schema(), record.get(first.pos())));
                yield record;
            }
            // an optional field: dropped when present (removing the publisher's signature must break the policy's too)
            case UNION -> value == null ? changed(schema.getTypes().get(1), null) : null;
            default -> throw new IllegalStateException("no mutation for " + schema);
        };
    }
}
