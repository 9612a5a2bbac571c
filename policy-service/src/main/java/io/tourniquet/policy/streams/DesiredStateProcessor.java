package io.tourniquet.policy.streams;

import io.tourniquet.policy.domain.Applicability;
import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.DecisionKind;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationWithdrawn;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Keeps, per server, the set of mitigations that must be in force, and emits a signed command only when that set
 * changes: a new or withdrawn mitigation, a new server, a server whose build or updates changed. What was
 * commanded is kept in a store, so a restart or a replay emits nothing twice.
 */
class DesiredStateProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

    private static final Logger LOG = Logger.getLogger(DesiredStateProcessor.class);
    static final String TENANT_HEADER = "tourniquet-tenant";

    private final CommandFactory commands;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, SpecificRecord> servers;
    private KeyValueStore<String, SpecificRecord> mitigations;
    private KeyValueStore<String, SpecificRecord> withdrawals;
    private KeyValueStore<String, String> commanded;
    private KeyValueStore<String, Long> sequences;

    DesiredStateProcessor(CommandFactory commands) {
        this.commands = commands;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.servers = context.getStateStore(PolicyTopology.SERVERS_STORE);
        this.mitigations = context.getStateStore(PolicyTopology.MITIGATIONS_STORE);
        this.withdrawals = context.getStateStore(PolicyTopology.WITHDRAWALS_STORE);
        this.commanded = context.getStateStore(PolicyTopology.COMMANDED_STORE);
        this.sequences = context.getStateStore(PolicyTopology.SEQUENCES_STORE);
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        SpecificRecord value = record.value();
        if (value instanceof MitigationPublished published) {
            mitigations.put(published.getDefinition().getId(), published);
            reconcileEveryServer(published.getDefinition().getId());
        } else if (value instanceof MitigationWithdrawn withdrawn) {
            withdrawals.put(withdrawn.getMitigationId(), withdrawn);
            reconcileEveryServer(withdrawn.getMitigationId());
        } else if (value instanceof ServerInventory inventory) {
            onInventory(inventory);
        }
        // heartbeats and agent results feed rollout gating (not yet); nothing to decide here
    }

    private void onInventory(ServerInventory inventory) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("");
        String topicTenant = Topics.tenantOf(topic);
        if (!topicTenant.equals(inventory.getTenantId())) {
            // An agent may only speak for its own tenant: the topic (guarded by ACLs) is the authority.
            LOG.warnf("inventory on %s claims tenant %s; ignored", topic, inventory.getTenantId());
            audit(AuditEvents.builder(CommandFactory.ACTOR, "inventory.rejected", "rejected", "agent:" + inventory.getServerId())
                    .setTenantId(topicTenant).setServerId(inventory.getServerId())
                    .setReason("inventory names tenant " + inventory.getTenantId() + " but arrived on " + topic).build());
            return;
        }
        try {
            Topics.requireValidServer(inventory.getServerId());
        } catch (IllegalArgumentException e) {
            // a bad report must not stop the policy for every other server
            audit(AuditEvents.builder(CommandFactory.ACTOR, "inventory.rejected", "rejected", "agent:unknown")
                    .setTenantId(topicTenant).setReason(e.getMessage() + " on " + topic).build());
            return;
        }
        String serverKey = serverKey(inventory.getTenantId(), inventory.getServerId());
        servers.put(serverKey, inventory);
        try (var all = mitigations.all()) {
            all.forEachRemaining(kv -> reconcile(inventory, kv.key));
        }
    }

    private void reconcileEveryServer(String mitigationId) {
        try (var all = servers.all()) {
            all.forEachRemaining(kv -> reconcile((ServerInventory) kv.value, mitigationId));
        }
    }

    private void reconcile(ServerInventory server, String mitigationId) {
        MitigationPublished mitigation = (MitigationPublished) mitigations.get(mitigationId);
        if (mitigation == null) {
            return;
        }
        MitigationWithdrawn withdrawal = (MitigationWithdrawn) withdrawals.get(mitigationId);
        boolean withdrawn = withdrawal != null && withdrawal.getRevision() >= mitigation.getDefinition().getRevision();
        Applicability.Verdict verdict = Applicability.of(mitigation.getDefinition(), server);
        String desired = !withdrawn && verdict == Applicability.Verdict.APPLICABLE ? state("APPLY", mitigation) : null;

        String key = serverKey(server.getTenantId(), server.getServerId()) + "/" + mitigationId;
        String previous = commanded.get(key);
        if (desired != null && !desired.equals(previous)) {
            issue(server, mitigation, true, DecisionKind.AUTO_APPLY, "default policy: auto-apply", key, desired);
        } else if (desired == null && previous != null && previous.startsWith("APPLY|")) {
            DecisionKind kind = withdrawn ? DecisionKind.WITHDRAWN : DecisionKind.PATCHED;
            String reason = withdrawn ? "withdrawn: " + withdrawal.getReason() : "server no longer affected: " + verdict;
            issue(server, mitigation, false, kind, reason, key, state("REMOVE", mitigation));
        }
    }

    private void issue(ServerInventory server, MitigationPublished mitigation, boolean apply, DecisionKind kind, String reason,
            String commandedKey, String newState) {
        String tenant = server.getTenantId();
        String serverId = server.getServerId();
        String sequenceKey = serverKey(tenant, serverId);
        Long last = sequences.get(sequenceKey);
        long sequence = last == null ? 1 : last + 1;
        CommandFactory.Issued issued = apply
                ? commands.apply(tenant, serverId, sequence, mitigation, kind, reason)
                : commands.remove(tenant, serverId, sequence, mitigation, kind, reason);
        sequences.put(sequenceKey, sequence);
        commanded.put(commandedKey, newState);

        var headers = new RecordHeaders().add(TENANT_HEADER, tenant.getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<String, SpecificRecord>(serverId, issued.signed(), context.currentSystemTimeMs(), headers),
                PolicyTopology.COMMANDS_SINK);
        audit(AuditEvents.builder(CommandFactory.ACTOR, apply ? "decision.apply" : "decision.remove", "commanded", CommandFactory.ACTOR)
                .setTenantId(tenant).setServerId(serverId)
                .setMitigationId(mitigation.getDefinition().getId()).setRevision(mitigation.getDefinition().getRevision())
                .setReason(reason)
                .setDetails(Map.of("commandId", issued.commandId(), "sequence", Long.toString(sequence), "decision", kind.name(),
                        "definitionDigest", mitigation.getDefinitionDigest()))
                .build());
    }

    private void audit(AuditRecord record) {
        context.forward(new Record<String, SpecificRecord>(AuditEvents.key(record), record, context.currentSystemTimeMs()),
                PolicyTopology.AUDIT_SINK);
    }

    private static String state(String action, MitigationPublished mitigation) {
        return action + "|" + mitigation.getDefinition().getRevision() + "|" + mitigation.getDefinitionDigest();
    }

    static String serverKey(String tenant, String server) {
        return tenant + "/" + server;
    }
}
