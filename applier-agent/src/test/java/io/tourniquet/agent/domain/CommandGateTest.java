package io.tourniquet.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.agent.Commands;
import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.SkipReason;
import io.tourniquet.schemas.crypto.CommandVerifier;
import io.tourniquet.schemas.crypto.DefinitionSignatures;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.SigningKey;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandGateTest {

    private final CommandGate gate = Commands.gate();

    private SkipReason rejection(SignedCommand signed, long lastSequence) {
        var verdict = gate.check(signed, "tenant-a", "exch01", lastSequence);
        return verdict.accepted() ? null : verdict.rejection().reason();
    }

    @Test
    void acceptsACommandSignedByThePolicyForThisServer() {
        var verdict = gate.check(Commands.signed(Commands.apply("tenant-a", "exch01", 5).build()), "tenant-a", "exch01", 4);
        assertThat(verdict.accepted()).isTrue();
        assertThat(verdict.command().definition().getId()).isEqualTo("M1.1");
    }

    @Test
    void rejectsForgedAndTamperedCommands() {
        assertThat(rejection(Commands.forged(Commands.apply("tenant-a", "exch01", 1).build()), 0)).isEqualTo(SkipReason.UNKNOWN_KEY);

        SignedCommand genuine = Commands.signed(Commands.apply("tenant-a", "exch01", 1).build());
        byte[] payload = CommandVerifier.bytes(genuine.getPayload());
        payload[payload.length - 1] ^= 1;
        SignedCommand tampered = SignedCommand.newBuilder(genuine).setPayload(ByteBuffer.wrap(payload)).build();
        assertThat(rejection(tampered, 0)).isEqualTo(SkipReason.BAD_SIGNATURE);

        // an attacker's signature presented under the policy's key id
        SignedCommand forged = Commands.forged(Commands.apply("tenant-a", "exch01", 1).build());
        SignedCommand impersonating = SignedCommand.newBuilder(forged).setKeyId(genuine.getKeyId()).build();
        assertThat(rejection(impersonating, 0)).isEqualTo(SkipReason.BAD_SIGNATURE);
    }

    @Test
    void rejectsCommandsForAnotherTenantOrServer() {
        assertThat(rejection(Commands.signed(Commands.apply("tenant-b", "exch01", 1).build()), 0)).isEqualTo(SkipReason.WRONG_TENANT);
        assertThat(rejection(Commands.signed(Commands.apply("tenant-a", "exch99", 1).build()), 0)).isEqualTo(SkipReason.WRONG_SERVER);
    }

    @Test
    void rejectsReplayedAndExpiredCommands() {
        assertThat(rejection(Commands.signed(Commands.apply("tenant-a", "exch01", 3).build()), 3)).isEqualTo(SkipReason.REPLAYED);
        var expired = Commands.apply("tenant-a", "exch01", 1).setExpiresAt(Instant.now().minusSeconds(1)).build();
        assertThat(rejection(Commands.signed(expired), 0)).isEqualTo(SkipReason.EXPIRED);
    }

    @Test
    void rejectsADefinitionThatIsNotTheOneWhoseDigestWasSigned() {
        var command = Commands.apply("tenant-a", "exch01", 1).setDefinitionDigest("0".repeat(64)).build();
        assertThat(rejection(Commands.signed(command), 0)).isEqualTo(SkipReason.DIGEST_MISMATCH);
    }

    /** Signed by the real policy key and digest intact, yet unsound: the agent does not take the ingestor's word for it. */
    @Test
    void rejectsASignedDefinitionWithACharacterXmlCannotHold() {
        var definition = MitigationDefinition.newBuilder(Commands.m11()).setActions(List.of(
                BlockRequests.newBuilder((BlockRequests) Commands.m11().getActions().get(0)).setRuleName("EEMS\u0000M1.1").build())).build();
        var command = Commands.apply("tenant-a", "exch01", 1, definition).build();
        var verdict = gate.check(Commands.signed(command), "tenant-a", "exch01", 0);
        assertThat(verdict.accepted()).isFalse();
        assertThat(verdict.rejection().reason()).isEqualTo(SkipReason.INVALID_DEFINITION);
        assertThat(verdict.rejection().detail()).contains("ruleName").contains("U+0000");
    }

    /** Signed by the real policy key, yet the definition has no publisher signature: a stolen policy key alone commands nothing. */
    @Test
    void rejectsADefinitionThePublisherDidNotSign() {
        var unsigned = Commands.apply("tenant-a", "exch01", 1).setDefinitionSignature(null).build();
        var verdict = gate.check(Commands.signed(unsigned), "tenant-a", "exch01", 0);
        assertThat(verdict.rejection().reason()).isEqualTo(SkipReason.UNSIGNED_DEFINITION);
        assertThat(verdict.rejection().detail()).contains("M1.1").contains("no publisher signature");
    }

    @Test
    void rejectsADefinitionSignedByAKeyThatIsNotThePinnedPublisher() {
        var definition = Commands.m11();
        String digest = Digests.of(definition);
        var foreign = Commands.apply("tenant-a", "exch01", 1)
                .setDefinitionSignature(DefinitionSignatures.sign(new SigningKey(Commands.ATTACKER_KEYS), digest)).build();
        var verdict = gate.check(Commands.signed(foreign), "tenant-a", "exch01", 0);
        assertThat(verdict.rejection().reason()).isEqualTo(SkipReason.UNTRUSTED_DEFINITION);
        assertThat(verdict.rejection().detail()).contains("not pinned");

        // the publisher's genuine signature of revision 1, carried by an altered definition: the digest moved, the signature does not follow
        var altered = MitigationDefinition.newBuilder(definition).setTitle("ProxyNotShell, altered").build();
        var genuine = Commands.apply("tenant-a", "exch01", 1).build().getDefinitionSignature();
        var tampered = Commands.apply("tenant-a", "exch01", 1, altered).setDefinitionSignature(genuine).build();
        verdict = gate.check(Commands.signed(tampered), "tenant-a", "exch01", 0);
        assertThat(verdict.rejection().reason()).isEqualTo(SkipReason.UNTRUSTED_DEFINITION);
        assertThat(verdict.rejection().detail()).contains("does not verify");

        // the policy key cannot stand in for the publisher key
        var policySigned = Commands.apply("tenant-a", "exch01", 1)
                .setDefinitionSignature(DefinitionSignatures.sign(new SigningKey(Commands.POLICY_KEYS), digest)).build();
        assertThat(rejection(Commands.signed(policySigned), 0)).isEqualTo(SkipReason.UNTRUSTED_DEFINITION);
    }
}
