package io.tourniquet.agent.domain;

import io.tourniquet.agent.backend.Backend;
import io.tourniquet.agent.backend.BackendException;
import io.tourniquet.schemas.AgentHeartbeat;
import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.CommandRef;
import io.tourniquet.schemas.DriftDetected;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationFailed;
import io.tourniquet.schemas.MitigationRemoved;
import io.tourniquet.schemas.MitigationSkipped;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.SkipReason;
import io.tourniquet.schemas.serde.AvroCodec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/** The agent of one server: checks each command, executes it on the backend, remembers it, and says what happened. */
public class ServerAgent {

    /** What the server reports about itself. */
    public record Identity(String tenantId, String serverId, String product, String build, List<String> installedUpdates, String agentVersion) {
    }

    private final Identity identity;
    private final CommandGate gate;
    private final Backend backend;
    private final AgentStateStore store;

    public ServerAgent(Identity identity, CommandGate gate, Backend backend, AgentStateStore store) {
        this.identity = identity;
        this.gate = gate;
        this.backend = backend;
        this.store = store;
    }

    public String serverId() {
        return identity.serverId();
    }

    /** Executes the command if it passes every check; the returned event is durable in local state before it is returned. */
    public synchronized SpecificRecord handle(SignedCommand signed) {
        AgentState state = store.load(identity.serverId());
        CommandGate.Verdict verdict = gate.check(signed, identity.tenantId(), identity.serverId(), state.lastSequence);
        if (!verdict.accepted()) {
            var command = verdict.command();
            if (verdict.rejection().reason() == SkipReason.REPLAYED && command != null
                    && command.commandId().equals(state.lastResultCommandId) && state.lastResult != null) {
                // Executed before a crash that came before the report: report the same result again, execute nothing.
                return AvroCodec.get().decode(state.lastResult);
            }
            return skipped(command, verdict.rejection());
        }
        CommandGate.Command command = verdict.command();
        SpecificRecord result;
        try {
            if (command.apply()) {
                ChangeEvidence evidence = backend.apply(command.definition());
                state.inForce.put(command.definition().getId(), new AgentState.InForce(
                        command.definition().getRevision(), command.definitionDigest(), command.commandId(),
                        AvroCodec.get().encode(command.definition())));
                result = MitigationApplied.newBuilder().setEventId(UUID.randomUUID().toString())
                        .setTenantId(identity.tenantId()).setServerId(identity.serverId())
                        .setCommand(ref(command)).setEvidence(evidence).setAppliedAt(now()).build();
            } else {
                ChangeEvidence evidence = backend.remove(command.definition());
                state.inForce.remove(command.definition().getId());
                result = MitigationRemoved.newBuilder().setEventId(UUID.randomUUID().toString())
                        .setTenantId(identity.tenantId()).setServerId(identity.serverId())
                        .setCommand(ref(command)).setEvidence(evidence).setRemovedAt(now()).build();
            }
        } catch (BackendException e) {
            result = MitigationFailed.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setTenantId(identity.tenantId()).setServerId(identity.serverId())
                    .setCommand(ref(command)).setError(e.getMessage()).setRollback(e.rollback()).setFailedAt(now()).build();
        }
        state.lastSequence = command.sequence();
        state.lastResultCommandId = command.commandId();
        state.lastResult = AvroCodec.get().encode(result);
        store.save(identity.serverId(), state);
        return result;
    }

    /**
     * Re-reads what must be in force. A mitigation that is not (a rule removed by hand, a file restored from an old
     * backup) is reported, and put back unless the agent only observes.
     */
    public synchronized List<DriftDetected> checkDrift(boolean correct) {
        AgentState state = store.load(identity.serverId());
        List<DriftDetected> drifts = new ArrayList<>();
        for (var entry : state.inForce.entrySet()) {
            if (entry.getValue().definition() == null) {
                continue; // applied by an older agent that did not keep the definition
            }
            MitigationDefinition definition = AvroCodec.get().decode(entry.getValue().definition(), MitigationDefinition.class);
            if (backend.inForce(definition)) {
                continue;
            }
            boolean corrected = false;
            if (correct) {
                try {
                    backend.apply(definition);
                    corrected = backend.inForce(definition);
                } catch (BackendException e) {
                    corrected = false;
                }
            }
            drifts.add(DriftDetected.newBuilder()
                    .setEventId(UUID.randomUUID().toString())
                    .setTenantId(identity.tenantId()).setServerId(identity.serverId())
                    .setMitigationId(entry.getKey()).setRevision(entry.getValue().revision())
                    .setExpectedDigest(entry.getValue().digest())
                    .setActualDigest(corrected ? entry.getValue().digest() : "not in force")
                    .setCorrected(corrected)
                    .setDetectedAt(now())
                    .build());
        }
        return drifts;
    }

    public AgentHeartbeat heartbeat() {
        return AgentHeartbeat.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setTenantId(identity.tenantId())
                .setServerId(identity.serverId())
                .setLastSequence(store.load(identity.serverId()).lastSequence)
                .setReportedAt(now())
                .build();
    }

    public ServerInventory inventory() {
        AgentState state = store.load(identity.serverId());
        return ServerInventory.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setTenantId(identity.tenantId())
                .setServerId(identity.serverId())
                .setProduct(identity.product())
                .setBuild(identity.build())
                .setInstalledUpdates(identity.installedUpdates())
                .setBackend(backend.name())
                .setAgentVersion(identity.agentVersion())
                .setPrerequisites(backend.prerequisites())
                .setAppliedMitigations(new ArrayList<>(state.inForce.keySet()))
                .setReportedAt(now())
                .build();
    }

    public AgentState state() {
        return store.load(identity.serverId());
    }

    /** For a command that could not even be read: report it for this server. */
    public MitigationSkipped unreadable(String detail) {
        return skipped(null, new Rejection(SkipReason.UNREADABLE, detail));
    }

    private MitigationSkipped skipped(CommandGate.Command command, Rejection rejection) {
        return MitigationSkipped.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setTenantId(identity.tenantId())
                .setServerId(identity.serverId())
                .setCommand(command == null ? null : ref(command))
                .setReason(rejection.reason())
                .setDetail(rejection.detail())
                .setSkippedAt(now())
                .build();
    }

    private static CommandRef ref(CommandGate.Command command) {
        return new CommandRef(command.commandId(), command.sequence(), command.definition().getId(), command.definition().getRevision());
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
