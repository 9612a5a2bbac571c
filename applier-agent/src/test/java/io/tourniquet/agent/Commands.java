package io.tourniquet.agent;

import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.Decision;
import io.tourniquet.schemas.DecisionKind;
import io.tourniquet.schemas.FeedEvidence;
import io.tourniquet.schemas.FeedKind;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.RequestCondition;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.agent.domain.CommandGate;
import io.tourniquet.schemas.crypto.CommandSigner;
import io.tourniquet.schemas.crypto.CommandVerifier;
import io.tourniquet.schemas.crypto.DefinitionSignatures;
import io.tourniquet.schemas.crypto.SigningKey;
import io.tourniquet.schemas.crypto.TrustedKeys;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/** Commands as the policy service signs them, and as an attacker might forge them. */
public final class Commands {

    public static final KeyPair POLICY_KEYS = keys("test-policy-signing");
    public static final KeyPair ATTACKER_KEYS = keys("attacker");
    /** The feed-ingestor's test publisher key (the same pair as feed-ingestor's tests). */
    public static final KeyPair PUBLISHER_KEYS = keys("test-feed-publisher");

    private Commands() {
    }

    private static KeyPair keys(String name) {
        Path dir = Path.of("src/test/resources/keys");
        return new KeyPair(Ed25519Keys.readPublic(dir.resolve(name + ".pub")), Ed25519Keys.readPrivate(dir.resolve(name + ".key")));
    }

    public static MitigationDefinition m11() {
        return MitigationDefinition.newBuilder()
                .setId("M1.1").setRevision(1).setTitle("ProxyNotShell").setProduct("Exchange")
                .setActions(List.of(BlockRequests.newBuilder().setRuleName("EEMS M1.1 PowerShell - inbound")
                        .setResponse(BlockResponse.ABORT_REQUEST)
                        .setConditions(List.of(new RequestCondition("{UrlDecode:{REQUEST_URI}}", "(?=.*autodiscover)(?=.*powershell)", true, false)))
                        .build()))
                .build();
    }

    /** The gate as the agent builds it: the test policy key and the test publisher key pinned. */
    public static CommandGate gate() {
        return new CommandGate(new CommandVerifier(List.of(POLICY_KEYS.getPublic())), new TrustedKeys(List.of(PUBLISHER_KEYS.getPublic())),
                Clock.systemUTC());
    }

    /** An apply command for the definition, signed by the publisher as the feed-ingestor signs it. */
    public static ApplyCommand.Builder apply(String tenant, String server, long sequence, MitigationDefinition definition) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String digest = Digests.of(definition);
        return ApplyCommand.newBuilder()
                .setCommandId(UUID.randomUUID().toString())
                .setTenantId(tenant).setServerId(server).setSequence(sequence)
                .setDefinition(definition).setDefinitionDigest(digest)
                .setDefinitionSignature(DefinitionSignatures.sign(new SigningKey(PUBLISHER_KEYS), digest))
                .setEvidence(FeedEvidence.newBuilder().setFeedId("tourniquet-bundled").setFeedKind(FeedKind.BUNDLED_CATALOG)
                        .setFeedVersion("1").setVerifiedBy(List.of("test")).setVerifiedAt(now).build())
                .setDecision(Decision.newBuilder().setKind(DecisionKind.AUTO_APPLY).setDecidedBy("policy-service").setReason("").setDecidedAt(now).build())
                .setShadowMode(false).setDriftReportOnly(false)
                .setIssuedAt(now).setExpiresAt(now.plus(Duration.ofDays(7)));
    }

    public static ApplyCommand.Builder apply(String tenant, String server, long sequence) {
        return apply(tenant, server, sequence, m11());
    }

    public static SignedCommand signed(ApplyCommand command) {
        return new CommandSigner(POLICY_KEYS).sign(command);
    }

    public static SignedCommand forged(ApplyCommand command) {
        return new CommandSigner(ATTACKER_KEYS).sign(command);
    }
}
