package io.tourniquet.agent.domain;

import java.time.Instant;
import java.util.List;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.DefinitionSignature;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.RemoveCommand;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.SkipReason;
import io.tourniquet.schemas.actions.DefinitionRules;
import io.tourniquet.schemas.crypto.CommandVerifier;
import io.tourniquet.schemas.crypto.DefinitionSignatures;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.TrustedKeys;
import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.serde.UnreadableMessageException;
import java.time.Clock;
import org.apache.avro.specific.SpecificRecord;

/**
 * Every check a command must pass before anything is executed: signed by a pinned policy key, for this tenant and
 * server, newer than the last one, not expired, carrying the definition whose digest the policy signed, and that
 * definition signed by a pinned publisher key (two authorities: a stolen policy key alone cannot introduce or alter a
 * definition).
 */
public class CommandGate {

    /** A command that passed every check, or the reason it did not. */
    public record Verdict(Command command, Rejection rejection) {
        public boolean accepted() {
            return rejection == null;
        }
    }

    /** The fields the agent acts on, whichever the command type. */
    public record Command(boolean apply, String commandId, String tenantId, String serverId, long sequence,
            MitigationDefinition definition, String definitionDigest, DefinitionSignature definitionSignature, long expiresAtMillis,
            boolean driftReportOnly, boolean shadowMode) {
    }

    private final CommandVerifier verifier;
    private final TrustedKeys publisherKeys;
    private final Clock clock;

    public CommandGate(CommandVerifier verifier, TrustedKeys publisherKeys, Clock clock) {
        this.verifier = verifier;
        this.publisherKeys = publisherKeys;
        this.clock = clock;
    }

    public Verdict check(SignedCommand signed, String tenantId, String serverId, long lastSequence) {
        switch (verifier.verify(signed)) {
            case UNKNOWN_KEY:
                return reject(null, SkipReason.UNKNOWN_KEY, "signed by key " + signed.getKeyId() + ", which is not pinned");
            case BAD_SIGNATURE:
                return reject(null, SkipReason.BAD_SIGNATURE, "signature does not verify with key " + signed.getKeyId());
            default:
                break;
        }
        Command command;
        try {
            command = toCommand(AvroCodec.get().decode(CommandVerifier.bytes(signed.getPayload())));
        } catch (UnreadableMessageException | IllegalArgumentException e) {
            return reject(null, SkipReason.UNREADABLE, e.getMessage());
        }
        if (!command.tenantId().equals(tenantId)) {
            return reject(command, SkipReason.WRONG_TENANT, "command is for tenant " + command.tenantId() + ", this agent serves " + tenantId);
        }
        if (!command.serverId().equals(serverId)) {
            return reject(command, SkipReason.WRONG_SERVER, "command is for server " + command.serverId());
        }
        if (command.sequence() <= lastSequence) {
            return reject(command, SkipReason.REPLAYED, "sequence " + command.sequence() + " is not newer than " + lastSequence);
        }
        if (command.expiresAtMillis() <= clock.millis()) {
            return reject(command, SkipReason.EXPIRED, "command expired at " + Instant.ofEpochMilli(command.expiresAtMillis()));
        }
        String digest = Digests.of(command.definition());
        if (!digest.equals(command.definitionDigest())) {
            return reject(command, SkipReason.DIGEST_MISMATCH, "definition digest " + digest + " differs from the signed digest " + command.definitionDigest());
        }
        if (command.definitionSignature() == null) {
            return reject(command, SkipReason.UNSIGNED_DEFINITION, "definition " + command.definition().getId() + " revision "
                    + command.definition().getRevision() + " carries no publisher signature");
        }
        TrustedKeys.Verdict publisher = DefinitionSignatures.verify(publisherKeys, command.definitionSignature(), digest);
        if (publisher != TrustedKeys.Verdict.VALID) {
            return reject(command, SkipReason.UNTRUSTED_DEFINITION, "definition " + command.definition().getId() + " revision "
                    + command.definition().getRevision() + (publisher == TrustedKeys.Verdict.UNKNOWN_KEY
                            ? " is signed by publisher key " + command.definitionSignature().getKeyId() + ", which is not pinned"
                            : "'s publisher signature does not verify with key " + command.definitionSignature().getKeyId()));
        }
        // checked again here, not only by the ingestor: a definition is carried out only if this agent finds it sound
        List<String> problems = DefinitionRules.problems(command.definition());
        if (!problems.isEmpty()) {
            return reject(command, SkipReason.INVALID_DEFINITION, String.join("; ", problems));
        }
        return new Verdict(command, null);
    }

    private static Verdict reject(Command command, SkipReason reason, String detail) {
        return new Verdict(command, new Rejection(reason, detail));
    }

    private static Command toCommand(SpecificRecord payload) {
        if (payload instanceof ApplyCommand a) {
            return new Command(true, a.getCommandId(), a.getTenantId(), a.getServerId(), a.getSequence(), a.getDefinition(),
                    a.getDefinitionDigest(), a.getDefinitionSignature(), a.getExpiresAt().toEpochMilli(), a.getDriftReportOnly(), a.getShadowMode());
        }
        if (payload instanceof RemoveCommand r) {
            return new Command(false, r.getCommandId(), r.getTenantId(), r.getServerId(), r.getSequence(), r.getDefinition(),
                    r.getDefinitionDigest(), r.getDefinitionSignature(), r.getExpiresAt().toEpochMilli(), false, false);
        }
        throw new IllegalArgumentException("payload is a " + payload.getClass().getSimpleName() + ", not a command");
    }
}
