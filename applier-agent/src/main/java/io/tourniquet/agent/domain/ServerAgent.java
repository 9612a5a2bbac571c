package io.tourniquet.agent.domain;

import java.util.TreeSet;
import io.tourniquet.agent.backend.Backend;
import io.tourniquet.agent.backend.BackendException;
import io.tourniquet.agent.backend.ServerFacts;
import io.tourniquet.agent.health.HealthProbes;
import io.tourniquet.schemas.AgentHeartbeat;
import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.CommandRef;
import io.tourniquet.schemas.DriftDetected;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationDefinition;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/**
 * The agent of one server: checks each command, executes it on the backend unless the server's own admin holds it
 * back, remembers it, and says what happened.
 */
public class ServerAgent {

    /** The JDK's logger: this class also runs outside Quarkus (the bench's fleet simulator), where JBoss Logging is absent. */
    private static final System.Logger LOG = System.getLogger(ServerAgent.class.getName());

    /** What the server reports about itself. */
    public record Identity(String tenantId, String serverId, String product, String agentVersion, String serverGroup, List<String> tags) {

        public Identity(String tenantId, String serverId, String product, String agentVersion) {
            this(tenantId, serverId, product, agentVersion, null, List.of());
        }
    }

    /** A change to carry out: from a command just verified, or one that local control held back until now. */
    private record Change(boolean apply, String commandId, long sequence, MitigationDefinition definition, String digest,
            boolean driftReportOnly, boolean shadow) {

        static Change of(CommandGate.Command c) {
            return new Change(c.apply(), c.commandId(), c.sequence(), c.definition(), c.definitionDigest(), c.driftReportOnly(), c.shadowMode());
        }

        static Change of(AgentState.Held h) {
            return new Change(h.apply(), h.commandId(), h.sequence(), AvroCodec.get().decode(h.definition(), MitigationDefinition.class),
                    h.digest(), h.driftReportOnly(), h.shadow());
        }

        AgentState.Held held() {
            return new AgentState.Held(apply, commandId, sequence, digest, driftReportOnly, shadow, AvroCodec.get().encode(definition));
        }

        CommandRef ref() {
            return new CommandRef(commandId, sequence, definition.getId(), definition.getRevision(), digest);
        }
    }

    private final Identity identity;
    private final CommandGate gate;
    private final Backend backend;
    private final AgentStateStore store;
    private final LocalControlStore control;
    private final HealthProbes health;

    public ServerAgent(Identity identity, CommandGate gate, Backend backend, AgentStateStore store, LocalControlStore control) {
        this(identity, gate, backend, store, control, HealthProbes.NONE);
    }

    /** @param health the server's own endpoints, probed before and after each apply; the verdict goes with the result */
    public ServerAgent(Identity identity, CommandGate gate, Backend backend, AgentStateStore store, LocalControlStore control, HealthProbes health) {
        this.identity = identity;
        this.gate = gate;
        this.backend = backend;
        this.store = store;
        this.control = control;
        this.health = health;
    }

    public String serverId() {
        return identity.serverId();
    }

    public String tenantId() {
        return identity.tenantId();
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
            return skipped(command == null ? null : Change.of(command).ref(), verdict.rejection());
        }
        Change change = Change.of(verdict.command());
        LocalControl local = control.get();
        SpecificRecord result;
        if (local.observeOnly() || (change.apply() && local.blocks(change.definition().getId()))) {
            state.held.put(change.definition().getId(), change.held());
            result = skipped(change.ref(), local.observeOnly()
                    ? new Rejection(SkipReason.OBSERVE_ONLY, "observe-only set by " + local.updatedBy() + " on this server: verified, not carried out; held until changes are allowed")
                    : new Rejection(SkipReason.BLOCKED_LOCALLY, change.definition().getId() + " blocked on this server by " + local.updatedBy() + "; held until unblocked"));
        } else {
            state.held.remove(change.definition().getId());
            result = carryOut(state, change, "");
        }
        state.lastSequence = change.sequence();
        state.lastResultCommandId = change.commandId();
        state.lastResult = AvroCodec.get().encode(result);
        store.save(identity.serverId(), state);
        return result;
    }

    /**
     * Applies or removes on the backend. The command id is recorded durably before the change starts: after a crash
     * the same command comes again, and if its change is found done it is reported, not made a second time.
     */
    private SpecificRecord carryOut(AgentState state, Change change, String note) {
        MitigationDefinition definition = change.definition();
        boolean interrupted = change.commandId().equals(state.executing);
        state.executing = change.commandId();
        store.save(identity.serverId(), state);
        Map<String, String> healthBefore = change.apply() ? health.before() : Map.of();
        try {
            Execution execution = interrupted && !change.shadow() && backend.inForce(definition) == change.apply()
                    ? new Execution(reRead("found " + (change.apply() ? "in force" : "absent") + " after an interrupted run: not executed again",
                            "unknown: interrupted run", "re-read the configuration after restart"), null)
                    : execute(change);
            if (execution.evidence() == null) {
                return failed(change, execution.error(), "not needed: the configuration re-read after the error is unchanged");
            }
            ChangeEvidence evidence = execution.evidence();
            if (!note.isEmpty()) {
                List<String> changes = new ArrayList<>(evidence.getChanges());
                changes.add(note);
                evidence.setChanges(changes);
            }
            if (change.apply()) {
                state.inForce.put(definition.getId(), new AgentState.InForce(definition.getRevision(), change.digest(), change.commandId(),
                        change.sequence(), change.driftReportOnly(), change.shadow(), AvroCodec.get().encode(definition)));
                return MitigationApplied.newBuilder().setEventId(UUID.randomUUID().toString())
                        .setTenantId(identity.tenantId()).setServerId(identity.serverId())
                        .setCommand(change.ref()).setEvidence(evidence).setHealth(health.after(healthBefore)).setAppliedAt(now()).build();
            }
            state.inForce.remove(definition.getId());
            return MitigationRemoved.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setTenantId(identity.tenantId()).setServerId(identity.serverId())
                    .setCommand(change.ref()).setEvidence(evidence).setRemovedAt(now()).build();
        } catch (BackendException e) {
            return failed(change, e.getMessage(), e.rollback());
        } finally {
            state.executing = null;
        }
    }

    /** What the backend did; or, when it failed unforeseen and left nothing changed, no evidence and the error. */
    private record Execution(ChangeEvidence evidence, String error) {
    }

    /**
     * Carries the change out. An error the backend did not foresee (a locked web.config, an I/O error) is not let
     * through to stop the command channel: the configuration is re-read, and the change is reported as made when it
     * is in force despite the error, or as failed when it is not. Only an error in that re-read ends the run, and the
     * restarted agent finds the interrupted command.
     */
    private Execution execute(Change change) throws BackendException {
        MitigationDefinition definition = change.definition();
        try {
            return new Execution(!change.apply() ? backend.remove(definition) : change.shadow() ? backend.applyShadow(definition) : backend.apply(definition),
                    null);
        } catch (RuntimeException e) {
            String error = "unexpected error in the " + backend.name() + " backend: " + e;
            LOG.log(System.Logger.Level.ERROR, error + " for " + definition.getId() + " on " + identity.serverId(), e);
            if (!change.shadow() && backend.inForce(definition) == change.apply()) {
                return new Execution(reRead(error + "; the configuration re-read after it shows the change " + (change.apply() ? "in force" : "removed"),
                        "unknown: the backend failed", "re-read the configuration after the error"), null);
            }
            return new Execution(null, error);
        }
    }

    private MitigationFailed failed(Change change, String error, String rollback) {
        return MitigationFailed.newBuilder().setEventId(UUID.randomUUID().toString())
                .setTenantId(identity.tenantId()).setServerId(identity.serverId())
                .setCommand(change.ref()).setError(error).setRollback(rollback).setFailedAt(now()).build();
    }

    private ChangeEvidence reRead(String what, String digest, String verification) {
        return ChangeEvidence.newBuilder().setBackend(backend.name()).setChanges(List.of(what))
                .setDigestBefore(digest).setDigestAfter(digest).setVerification(verification).build();
    }

    /**
     * Brings the server in line with local control after the admin changed it: mitigations now blocked are removed
     * (and held, to come back when unblocked); held commands no longer held back are carried out. Nothing changes
     * under observe-only.
     */
    public synchronized List<SpecificRecord> reconcileWithLocalControl() {
        LocalControl local = control.get();
        List<SpecificRecord> results = new ArrayList<>();
        if (local.observeOnly()) {
            return results;
        }
        AgentState state = store.load(identity.serverId());
        String note = "by local control on this server (" + local.updatedBy() + ")";
        for (var entry : List.copyOf(state.inForce.entrySet())) {
            if (local.blocks(entry.getKey())) {
                AgentState.InForce inForce = entry.getValue();
                MitigationDefinition definition = AvroCodec.get().decode(inForce.definition(), MitigationDefinition.class);
                Change removal = new Change(false, inForce.commandId(), inForce.sequence(), definition, inForce.digest(), inForce.driftReportOnly(), inForce.shadow());
                SpecificRecord result = carryOut(state, removal, "removed: blocked " + note);
                if (!(result instanceof MitigationFailed)) {
                    state.held.put(entry.getKey(), new Change(true, inForce.commandId(), inForce.sequence(), definition, inForce.digest(),
                            inForce.driftReportOnly(), inForce.shadow()).held());
                }
                results.add(result);
            }
        }
        for (var entry : List.copyOf(state.held.entrySet())) {
            Change change = Change.of(entry.getValue());
            if (change.apply() && local.blocks(entry.getKey())) {
                continue;
            }
            state.held.remove(entry.getKey());
            results.add(carryOut(state, change, "carried out when released " + note));
        }
        store.save(identity.serverId(), state);
        return results;
    }

    /**
     * Re-reads what must be in force. A mitigation that is not (a rule removed by hand, a file restored from an old
     * backup) is reported, and put back unless the agent only observes, the policy asked for report-only, or the
     * caller says so.
     */
    public synchronized List<DriftDetected> checkDrift(boolean correct) {
        AgentState state = store.load(identity.serverId());
        boolean mayChange = correct && !control.get().observeOnly();
        List<DriftDetected> drifts = new ArrayList<>();
        for (var entry : state.inForce.entrySet()) {
            if (entry.getValue().definition() == null || entry.getValue().shadow()) {
                continue; // applied by an older agent that did not keep the definition, or deployed log-only
            }
            MitigationDefinition definition = AvroCodec.get().decode(entry.getValue().definition(), MitigationDefinition.class);
            if (backend.inForce(definition)) {
                continue;
            }
            boolean corrected = false;
            if (mayChange && !entry.getValue().driftReportOnly()) {
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
                .setEnforcement(backend.enforcementCounts())
                .setReportedAt(now())
                .build();
    }

    public ServerInventory inventory() {
        AgentState state = store.load(identity.serverId());
        LocalControl local = control.get();
        ServerFacts facts = backend.facts();
        return ServerInventory.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setTenantId(identity.tenantId())
                .setServerId(identity.serverId())
                .setProduct(identity.product())
                .setBuild(facts.build())
                .setInstalledUpdates(facts.installedUpdates())
                .setUnreadable(facts.unreadable())
                .setBackend(backend.name())
                .setAgentVersion(identity.agentVersion())
                .setServerGroup(identity.serverGroup())
                .setTags(identity.tags())
                .setPrerequisites(prerequisites(facts))
                .setWebApplications(facts.webApplications())
                .setRefusals(backend.refusals())
                .setAppliedMitigations(new ArrayList<>(state.inForce.keySet()))
                .setBlockedMitigations(new ArrayList<>(new TreeSet<>(local.blocked())))
                .setObserveOnly(local.observeOnly())
                .setLastSequence(state.lastSequence)
                .setReportedAt(now())
                .build();
    }

    /** The backend's prerequisites, with the version of each where the inventory read one. */
    private Map<String, String> prerequisites(ServerFacts facts) {
        Map<String, String> prerequisites = new TreeMap<>(backend.prerequisites());
        prerequisites.putAll(facts.components());
        return prerequisites;
    }

    public AgentState state() {
        return store.load(identity.serverId());
    }

    /** For a command that could not even be read: report it for this server. */
    public MitigationSkipped unreadable(String detail) {
        return skipped(null, new Rejection(SkipReason.UNREADABLE, detail));
    }

    private MitigationSkipped skipped(CommandRef ref, Rejection rejection) {
        return MitigationSkipped.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setTenantId(identity.tenantId())
                .setServerId(identity.serverId())
                .setCommand(ref)
                .setReason(rejection.reason())
                .setDetail(rejection.detail())
                .setSkippedAt(now())
                .build();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
