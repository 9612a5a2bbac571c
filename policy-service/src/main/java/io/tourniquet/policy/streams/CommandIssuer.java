package io.tourniquet.policy.streams;

import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.policy.domain.PolicyEngine;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.policy.DecisionState;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Carries out decisions: signs and forwards a command to the tenant's command topic (with the next sequence of the
 * server), remembers what was commanded and decided, and writes the audit record of each decision that changed.
 */
final class CommandIssuer {

    static final String TENANT_HEADER = "tourniquet-tenant";

    private final CommandFactory commands;
    private final PolicyStores stores;
    private final ProcessorContext<String, SpecificRecord> context;

    CommandIssuer(CommandFactory commands, PolicyStores stores, ProcessorContext<String, SpecificRecord> context) {
        this.commands = commands;
        this.stores = stores;
        this.context = context;
    }

    /** Carries out an APPLY or REMOVE outcome. */
    void issue(ServerInventory server, MitigationPublished mitigation, PolicyEngine.Outcome outcome) {
        String tenant = server.getTenantId();
        String serverId = server.getServerId();
        String key = PolicyStores.decisionKey(tenant, serverId, mitigation.getDefinition().getId());
        long sequence = stores.nextSequence(tenant, serverId);
        boolean apply = outcome.action() == PolicyEngine.Action.APPLY;
        CommandFactory.Issued issued = apply
                ? commands.apply(tenant, serverId, sequence, mitigation, outcome)
                : commands.remove(tenant, serverId, sequence, mitigation, outcome);
        stores.putCommanded(key, outcome.state());
        AuditType type = apply ? AuditType.DECISION_APPLY : AuditType.DECISION_REMOVE;
        stores.putDecision(key, new DecisionState(type.wireName(), outcome.reason()));

        var headers = new RecordHeaders().add(TENANT_HEADER, tenant.getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<String, SpecificRecord>(serverId, issued.signed(), context.currentSystemTimeMs(), headers),
                PolicyTopology.COMMANDS_SINK);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("commandId", issued.commandId());
        details.put("sequence", Long.toString(sequence));
        details.put("decision", outcome.kind().name());
        details.put("definitionDigest", mitigation.getDefinitionDigest());
        details.put("shadowMode", Boolean.toString(outcome.shadowMode()));
        audit(AuditEvents.builder(CommandFactory.ACTOR, type, "commanded", outcome.decidedBy().isEmpty() ? CommandFactory.ACTOR : outcome.decidedBy())
                .setTenantId(tenant).setServerId(serverId)
                .setMitigationId(mitigation.getDefinition().getId()).setRevision(mitigation.getDefinition().getRevision())
                .setReason(outcome.reason())
                .setDetails(details)
                .build());
    }

    /** A HOLD or NONE outcome changes nothing on the server: recorded, and audited when it differs from the last one. */
    void record(ServerInventory server, MitigationPublished mitigation, PolicyEngine.Outcome outcome) {
        String key = PolicyStores.decisionKey(server.getTenantId(), server.getServerId(), mitigation.getDefinition().getId());
        DecisionState decision = new DecisionState(outcome.code().wireName(), outcome.reason());
        DecisionState previous = stores.decision(key);
        if (decision.equals(previous) || (outcome.action() == PolicyEngine.Action.NONE && previous != null
                && outcome.code() == AuditType.DECISION_IN_FORCE)) {
            return;
        }
        stores.putDecision(key, decision);
        if (outcome.action() == PolicyEngine.Action.HOLD) {
            audit(AuditEvents.builder(CommandFactory.ACTOR, outcome.code(), "held", CommandFactory.ACTOR)
                    .setTenantId(server.getTenantId()).setServerId(server.getServerId())
                    .setMitigationId(mitigation.getDefinition().getId()).setRevision(mitigation.getDefinition().getRevision())
                    .setReason(outcome.reason()).build());
        }
    }

    void audit(AuditRecord record) {
        context.forward(new Record<String, SpecificRecord>(AuditEvents.key(record), record, context.currentSystemTimeMs()),
                PolicyTopology.AUDIT_SINK);
    }
}
