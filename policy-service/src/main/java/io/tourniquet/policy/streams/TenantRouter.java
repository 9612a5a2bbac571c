package io.tourniquet.policy.streams;

import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.topics.Topics;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

/**
 * Re-keys every agent event by its tenant, so that one task holds all of a tenant's servers (staged rollouts are
 * gated on a whole tenant's results). An event may only speak for the tenant whose topic it came on — the topic,
 * guarded by ACLs, is the authority — and must name a valid server; anything else is refused and audited.
 */
class TenantRouter implements Processor<String, SpecificRecord, String, SpecificRecord> {

    private static final Logger LOG = Logger.getLogger(TenantRouter.class);
    private ProcessorContext<String, SpecificRecord> context;

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        SpecificRecord event = record.value();
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("");
        String topicTenant = Topics.tenantOf(topic);
        String tenant = field(event, "tenantId");
        String server = field(event, "serverId");
        if (!topicTenant.equals(tenant)) {
            LOG.warnf("%s on %s claims tenant %s; ignored", event.getSchema().getName(), topic, tenant);
            refuse(topicTenant, server, "event names tenant " + tenant + " but arrived on " + topic);
            return;
        }
        try {
            Topics.requireValidServer(server);
        } catch (IllegalArgumentException e) {
            // a bad report must not stop the policy for every other server
            refuse(topicTenant, null, e.getMessage() + " on " + topic);
            return;
        }
        context.forward(record.withKey(tenant), PolicyTopology.SERVER_EVENTS_SINK);
    }

    private void refuse(String tenant, String server, String reason) {
        AuditRecord audit = AuditEvents.builder(CommandFactory.ACTOR, AuditType.INVENTORY_REJECTED, "rejected", "agent:" + (server == null ? "unknown" : server))
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
