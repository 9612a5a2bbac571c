package io.tourniquet.schemas.topics;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Every topic Tourniquet uses: its name, its key and its settings. Per-tenant topics exist so that Kafka ACLs can
 * give each tenant's agents access to their own commands and events only.
 */
public final class Topics {

    /** Compacted, key: mitigation id; values MitigationPublished or MitigationWithdrawn. */
    public static final String MITIGATIONS = "tourniquet.mitigations";
    /** Compacted, key: feed id; value FeedVersionAccepted (rollback protection across restarts). */
    public static final String FEED_VERSIONS = "tourniquet.feed-versions";
    /**
     * Compacted; what admins decided: TenantPolicy (key policy:&lt;tenant&gt;), Approval (approval:&lt;tenant&gt;/&lt;mitigation&gt;),
     * RolloutControl (rollout:&lt;tenant&gt;/&lt;mitigation&gt;), MitigationKillSwitch (kill-switch:&lt;mitigation&gt;),
     * ServerOverride (server:&lt;tenant&gt;/&lt;server&gt;/&lt;mitigation&gt;).
     */
    public static final String TENANT_POLICIES = "tourniquet.tenant-policies";
    /** Key: tenant id ('*' when no tenant); value AuditRecord. */
    public static final String AUDIT = "tourniquet.audit";
    /** Each server agent's enrolled public key (compacted), key: {@link #enrolmentKey}; written only by the policy service. */
    public static final String AGENT_ENROLMENTS = "tourniquet.agent-enrolments";
    /** Per tenant, key: server id; value SignedCommand. */
    public static final String COMMANDS_PREFIX = "tourniquet.commands.";
    /** Per tenant, key: server id; values ServerInventory, AgentHeartbeat and the agent results. */
    public static final String AGENT_EVENTS_PREFIX = "tourniquet.agent-events.";
    /** Compacted; the mitigations and tenant-policies topics copied to every partition, so that each policy task sees all. */
    public static final String POLICY_MITIGATION_BROADCAST = "tourniquet.policy.mitigation-broadcast";
    /** The policy service's own copy of every tenant's agent events, keyed by tenant, so that one task holds a whole tenant. */
    public static final String POLICY_SERVER_EVENTS = "tourniquet.policy.server-events";
    /** Every stored audit event as a CloudEvent (Kafka protocol binding, binary mode, JSON data shaped after OCSF), key: tenant id. */
    public static final String AUDIT_CLOUDEVENTS = "tourniquet.audit.cloudevents";
    /** Each tenant's own CloudEvents (tourniquet.audit.cloudevents.&lt;tenant&gt;): what that tenant's SOC tool may read. */
    public static final String TENANT_CLOUDEVENTS_PREFIX = AUDIT_CLOUDEVENTS + ".";
    /** Dead letters: the original bytes, with the reason in headers. */
    public static final String POLICY_DEAD_LETTERS = "tourniquet.dlq.policy-service";
    public static final String AUDIT_DEAD_LETTERS = "tourniquet.dlq.audit-service";

    public static final Pattern AGENT_EVENTS_PATTERN = Pattern.compile(Pattern.quote(AGENT_EVENTS_PREFIX) + "[a-z0-9][a-z0-9-]*");

    public static final int DEFAULT_PARTITIONS = 3;
    private static final Duration WEEK = Duration.ofDays(7);
    private static final Duration AUDIT_RETENTION = Duration.ofDays(30);
    private static final Pattern SERVER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");
    private static final Pattern TENANT_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private Topics() {
    }

    public static String commands(String tenantId) {
        return COMMANDS_PREFIX + requireValidTenant(tenantId);
    }

    public static String tenantCloudEvents(String tenantId) {
        return TENANT_CLOUDEVENTS_PREFIX + requireValidTenant(tenantId);
    }

    /** A tenant's CloudEvents topic, made by the audit service (its writer) when the tenant's first event is published. */
    public static TopicSpec tenantCloudEventsSpec(String tenantId) {
        return TopicSpec.retained(tenantCloudEvents(tenantId), TENANT_PARTITIONS, AUDIT_RETENTION);
    }

    public static String agentEvents(String tenantId) {
        return AGENT_EVENTS_PREFIX + requireValidTenant(tenantId);
    }

    /** The tenant a per-tenant topic belongs to. */
    public static String tenantOf(String topic) {
        for (String prefix : List.of(COMMANDS_PREFIX, AGENT_EVENTS_PREFIX)) {
            if (topic.startsWith(prefix)) {
                return requireValidTenant(topic.substring(prefix.length()));
            }
        }
        throw new IllegalArgumentException(topic + " is not a per-tenant topic");
    }

    /** Tenant ids become topic names and ACL resource names: lower-case letters, digits and '-', at most 63. */
    public static String requireValidTenant(String tenantId) {
        if (tenantId == null || !TENANT_ID.matcher(tenantId).matches()) {
            throw new IllegalArgumentException("invalid tenant id '" + tenantId
                    + "': use 1-63 lower-case letters, digits or '-', starting with a letter or digit");
        }
        return tenantId;
    }

    /** Server ids are host names or similar: letters, digits, '.', '_' and '-', at most 253. */
    public static String requireValidServer(String serverId) {
        if (serverId == null || !SERVER_ID.matcher(serverId).matches()) {
            throw new IllegalArgumentException("invalid server id '" + serverId + "'");
        }
        return serverId;
    }

    /** Dead-letter header names: why the record could not be processed, and where it came from. */
    public static final String DLQ_REASON_HEADER = "tourniquet-dlq-reason";
    public static final String DLQ_ORIGIN_HEADER = "tourniquet-dlq-origin";

    /** The key of a server's enrolment: tenant and server, both validated names, so the slash is unambiguous. */
    public static String enrolmentKey(String tenantId, String serverId) {
        return requireValidTenant(tenantId) + "/" + requireValidServer(serverId);
    }

    /** Topics the central services need whatever the tenants. */
    public static List<TopicSpec> central() {
        return List.of(
                TopicSpec.compacted(MITIGATIONS, DEFAULT_PARTITIONS),
                TopicSpec.compacted(TENANT_POLICIES, DEFAULT_PARTITIONS),
                TopicSpec.compacted(FEED_VERSIONS, 1),
                TopicSpec.compacted(AGENT_ENROLMENTS, 1),
                TopicSpec.compacted(POLICY_MITIGATION_BROADCAST, DEFAULT_PARTITIONS),
                TopicSpec.retained(POLICY_SERVER_EVENTS, DEFAULT_PARTITIONS, WEEK),
                TopicSpec.retained(AUDIT, DEFAULT_PARTITIONS, AUDIT_RETENTION),
                TopicSpec.retained(AUDIT_CLOUDEVENTS, DEFAULT_PARTITIONS, AUDIT_RETENTION),
                TopicSpec.retained(POLICY_DEAD_LETTERS, 1, AUDIT_RETENTION),
                TopicSpec.retained(AUDIT_DEAD_LETTERS, 1, AUDIT_RETENTION));
    }

    /**
     * Partitions of each tenant topic. One: the topics exist to isolate tenants (ACLs), not for throughput (a tenant's
     * commands and results are a few per server), every agent process reads its tenant's commands in its own group,
     * and every partition costs the broker work on each fetch of every consumer that follows all tenants (the policy
     * and audit services): the 10,000-server bench spent most of the broker's CPU there with three per topic.
     */
    public static final int TENANT_PARTITIONS = 1;

    /** The two topics of one tenant. */
    public static List<TopicSpec> tenant(String tenantId) {
        return List.of(
                TopicSpec.retained(commands(tenantId), TENANT_PARTITIONS, WEEK),
                TopicSpec.retained(agentEvents(tenantId), TENANT_PARTITIONS, WEEK));
    }

}
