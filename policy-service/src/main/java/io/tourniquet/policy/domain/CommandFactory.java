package io.tourniquet.policy.domain;

import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.Decision;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.RemoveCommand;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.crypto.CommandSigner;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/** Builds and signs the commands the agents execute. */
public class CommandFactory {

    public static final String ACTOR = "policy-service";

    private final CommandSigner signer;
    private final Duration ttl;

    public CommandFactory(CommandSigner signer, Duration ttl) {
        this.signer = signer;
        this.ttl = ttl;
    }

    /** A signed command and the id that the audit trail refers to. */
    public record Issued(String commandId, SignedCommand signed) {
    }

    public Issued apply(String tenantId, String serverId, long sequence, MitigationPublished mitigation, PolicyEngine.Outcome outcome) {
        Instant now = now();
        String commandId = UUID.randomUUID().toString();
        ApplyCommand command = ApplyCommand.newBuilder()
                .setCommandId(commandId)
                .setTenantId(tenantId)
                .setServerId(serverId)
                .setSequence(sequence)
                .setDefinition(mitigation.getDefinition())
                .setDefinitionDigest(mitigation.getDefinitionDigest())
                .setDefinitionSignature(mitigation.getPublisherSignature())
                .setEvidence(mitigation.getEvidence())
                .setDecision(decision(outcome, now))
                .setShadowMode(outcome.shadowMode())
                .setDriftReportOnly(outcome.driftReportOnly())
                .setIssuedAt(now)
                .setExpiresAt(now.plus(ttl))
                .build();
        return new Issued(commandId, signer.sign(command));
    }

    public Issued remove(String tenantId, String serverId, long sequence, MitigationPublished mitigation, PolicyEngine.Outcome outcome) {
        Instant now = now();
        String commandId = UUID.randomUUID().toString();
        RemoveCommand command = RemoveCommand.newBuilder()
                .setCommandId(commandId)
                .setTenantId(tenantId)
                .setServerId(serverId)
                .setSequence(sequence)
                .setDefinition(mitigation.getDefinition())
                .setDefinitionDigest(mitigation.getDefinitionDigest())
                .setDefinitionSignature(mitigation.getPublisherSignature())
                .setEvidence(mitigation.getEvidence())
                .setDecision(decision(outcome, now))
                .setIssuedAt(now)
                .setExpiresAt(now.plus(ttl))
                .build();
        return new Issued(commandId, signer.sign(command));
    }

    /** Who decided and why travel signed with the command: the agent's report and the audit trail name them. */
    private static Decision decision(PolicyEngine.Outcome outcome, Instant at) {
        return Decision.newBuilder().setKind(outcome.kind()).setDecidedBy(outcome.decidedBy().isEmpty() ? ACTOR : outcome.decidedBy())
                .setReason(outcome.reason()).setDecidedAt(at).build();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
