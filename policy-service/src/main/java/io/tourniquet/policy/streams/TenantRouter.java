package io.tourniquet.policy.streams;

import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.crypto.AgentEventSignatures;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.topics.Topics;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Re-keys every agent event by its tenant, so that one task holds all of a tenant's servers (staged rollouts are
 * gated on a whole tenant's results). An event may only speak for the tenant whose topic it came on — the topic,
 * guarded by ACLs, is the authority — must name a valid server, and must be signed by that server's enrolled key
 * (one agent of a tenant cannot report for another server); anything else is refused and audited. Only what the
 * desired state acts on is routed: heartbeats and drift reports (most of a quiet fleet's events: ~170 heartbeats a second
 * from 10,000 servers) are left to the audit service, which verifies and keeps them; checking their signatures here
 * and writing them through the policy's transactions took CPU from the fan-out for nothing.
 */
class TenantRouter implements Processor<String, SpecificRecord, String, SpecificRecord> {

    private static final Logger LOG = Logger.getLogger(TenantRouter.class);
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, SpecificRecord> enrolments;

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.enrolments = context.getStateStore(PolicyTopology.ENROLMENTS_STORE);
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        SpecificRecord event = record.value();
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("");
        if (event == null) {
            // a tombstone means nothing on an event topic (the audit service dead-letters it); unchecked, it stopped the
            // policy's stream for every tenant
            LOG.warnf("record without a value (key %s) on %s ignored", record.key(), topic);
            return;
        }
        if (!DesiredStateProcessor.AGENT_EVENTS_ACTED_ON.contains(event.getClass())) {
            return;
        }
        String topicTenant = Topics.tenantOf(topic);
        String tenant = field(event, "tenantId");
        String server = field(event, "serverId");
        if (!topicTenant.equals(tenant)) {
            LOG.warnf("%s on %s claims tenant %s; ignored", event.getSchema().getName(), topic, tenant);
            refuse(AuditType.INVENTORY_REJECTED, topicTenant, server, "event names tenant " + tenant + " but arrived on " + topic);
            return;
        }
        try {
            Topics.requireValidServer(server);
        } catch (IllegalArgumentException e) {
            // a bad report must not stop the policy for every other server
            refuse(AuditType.INVENTORY_REJECTED, topicTenant, null, e.getMessage() + " on " + topic);
            return;
        }
        var signature = AgentEventSignatures.verify(record.headers(), (AgentEnrolment) enrolments.get(Topics.enrolmentKey(tenant, server)));
        if (!signature.valid()) {
            LOG.warnf("%s for %s/%s refused: %s", event.getSchema().getName(), tenant, server, signature.reason());
            refuse(AuditType.AGENT_EVENT_REFUSED, tenant, server, event.getSchema().getName() + " for server " + server + " refused: " + signature.reason());
            return;
        }
        context.forward(record.withKey(tenant), PolicyTopology.SERVER_EVENTS_SINK);
    }

    private void refuse(AuditType type, String tenant, String server, String reason) {
        AuditRecord audit = AuditEvents.builder(CommandFactory.ACTOR, type, "rejected", "agent:" + (server == null ? "unknown" : server))
                .setTenantId(tenant).setServerId(server).setReason(reason).build();
        context.forward(new Record<String, SpecificRecord>(AuditEvents.key(audit), audit, context.currentSystemTimeMs()), PolicyTopology.ROUTER_AUDIT_SINK);
    }

    /** Every agent event carries tenantId and serverId. */
    private static String field(SpecificRecord event, String name) {
        Schema.Field field = event.getSchema().getField(name);
        Object value = field == null ? null : event.get(field.pos());
        return value == null ? null : value.toString();
    }
}
