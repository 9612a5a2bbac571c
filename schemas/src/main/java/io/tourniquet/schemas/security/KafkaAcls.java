package io.tourniquet.schemas.security;

import io.tourniquet.schemas.topics.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may do what on the broker: the one ACL table every deployment applies (the embedded broker of
 * {@code ./tourniquet up}, and the KafkaUser resources of a Kubernetes deployment). Least privilege, allow rules only
 * (the broker denies what no rule allows), prefixed patterns where a family of topics or groups belongs to one
 * principal (KIP-290). A tenant's agents share one principal that reaches only that tenant's topics and groups.
 */
public final class KafkaAcls {

    public static final String FEED_INGESTOR = "feed-ingestor";
    public static final String POLICY_SERVICE = "policy-service";
    public static final String AUDIT_SERVICE = "audit-service";
    /** The MSP's own SOC: every tenant's CloudEvents. */
    public static final String MSP_SOC = "msp-soc";

    /** Kafka Streams names its groups, transactional ids and internal topics after the application id. */
    public static final String POLICY_APPLICATION_ID = "tourniquet-policy-service";
    public static final String AUDIT_GROUP_PREFIX = "tourniquet-audit-service.";
    public static final String AGENT_GROUP_PREFIX = "tourniquet-agent.";

    private static final String HOST = "*";

    private KafkaAcls() {
    }

    /** A tenant's SOC tool: that tenant's CloudEvents and nothing else. */
    public static String soc(String tenantId) {
        return "soc-" + Topics.requireValidTenant(tenantId);
    }

    /** The principal shared by one tenant's agents. */
    public static String agent(String tenantId) {
        return "agent-" + Topics.requireValidTenant(tenantId);
    }

    /** Every service principal's bindings (tenants' agents excluded). */
    public static List<AclBinding> services() {
        List<AclBinding> acls = new ArrayList<>();
        acls.addAll(feedIngestor());
        acls.addAll(policyService());
        acls.addAll(auditService());
        acls.addAll(mspSoc());
        return acls;
    }

    /** Services and every tenant's agents. */
    public static List<AclBinding> all(Collection<String> tenants) {
        List<AclBinding> acls = new ArrayList<>(services());
        tenants.forEach(t -> acls.addAll(tenant(t)));
        return acls;
    }

    /** Only the ingestor publishes mitigations and feed versions (and reads them back at startup). */
    static List<AclBinding> feedIngestor() {
        String p = FEED_INGESTOR;
        return List.of(
                topic(p, Topics.MITIGATIONS, AclOperation.WRITE), topic(p, Topics.MITIGATIONS, AclOperation.READ),
                topic(p, Topics.MITIGATIONS, AclOperation.DESCRIBE),
                topic(p, Topics.FEED_VERSIONS, AclOperation.WRITE), topic(p, Topics.FEED_VERSIONS, AclOperation.READ),
                topic(p, Topics.FEED_VERSIONS, AclOperation.DESCRIBE),
                topic(p, Topics.AUDIT, AclOperation.WRITE), topic(p, Topics.AUDIT, AclOperation.DESCRIBE));
    }

    /** Only the policy service writes commands, its control topic and its own internal topics. */
    static List<AclBinding> policyService() {
        String p = POLICY_SERVICE;
        List<AclBinding> acls = new ArrayList<>(List.of(
                topic(p, Topics.MITIGATIONS, AclOperation.READ), topic(p, Topics.MITIGATIONS, AclOperation.DESCRIBE),
                topic(p, Topics.TENANT_POLICIES, AclOperation.READ), topic(p, Topics.TENANT_POLICIES, AclOperation.WRITE),
                topic(p, Topics.TENANT_POLICIES, AclOperation.DESCRIBE),
                prefixedTopic(p, Topics.COMMANDS_PREFIX, AclOperation.WRITE), prefixedTopic(p, Topics.COMMANDS_PREFIX, AclOperation.DESCRIBE),
                // onboarding a tenant creates its command and event topics
                prefixedTopic(p, Topics.COMMANDS_PREFIX, AclOperation.CREATE),
                prefixedTopic(p, Topics.AGENT_EVENTS_PREFIX, AclOperation.READ), prefixedTopic(p, Topics.AGENT_EVENTS_PREFIX, AclOperation.DESCRIBE),
                prefixedTopic(p, Topics.AGENT_EVENTS_PREFIX, AclOperation.CREATE),
                topic(p, Topics.AUDIT, AclOperation.WRITE), topic(p, Topics.AUDIT, AclOperation.DESCRIBE),
                // agents' enrolled keys: registered through the policy's admin API, read back into a global store
                topic(p, Topics.AGENT_ENROLMENTS, AclOperation.WRITE), topic(p, Topics.AGENT_ENROLMENTS, AclOperation.READ),
                topic(p, Topics.AGENT_ENROLMENTS, AclOperation.DESCRIBE),
                topic(p, Topics.POLICY_DEAD_LETTERS, AclOperation.WRITE), topic(p, Topics.POLICY_DEAD_LETTERS, AclOperation.DESCRIBE)));
        for (String own : List.of(Topics.POLICY_MITIGATION_BROADCAST, Topics.POLICY_SERVER_EVENTS)) {
            acls.add(topic(p, own, AclOperation.READ));
            acls.add(topic(p, own, AclOperation.WRITE));
            acls.add(topic(p, own, AclOperation.DESCRIBE));
        }
        // Kafka Streams: changelog and repartition topics, consumer groups and transactional ids named after the application id
        for (AclOperation op : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.CREATE, AclOperation.DELETE,
                AclOperation.DESCRIBE_CONFIGS)) {
            acls.add(prefixedTopic(p, POLICY_APPLICATION_ID, op));
        }
        acls.add(binding(p, ResourceType.GROUP, POLICY_APPLICATION_ID, PatternType.PREFIXED, AclOperation.READ));
        acls.add(binding(p, ResourceType.TRANSACTIONAL_ID, POLICY_APPLICATION_ID, PatternType.PREFIXED, AclOperation.WRITE));
        acls.add(binding(p, ResourceType.TRANSACTIONAL_ID, POLICY_APPLICATION_ID, PatternType.PREFIXED, AclOperation.DESCRIBE));
        return acls;
    }

    /** The audit service reads what it stores and writes only its outputs. */
    static List<AclBinding> auditService() {
        String p = AUDIT_SERVICE;
        return List.of(
                topic(p, Topics.AUDIT, AclOperation.READ), topic(p, Topics.AUDIT, AclOperation.DESCRIBE),
                topic(p, Topics.MITIGATIONS, AclOperation.READ), topic(p, Topics.MITIGATIONS, AclOperation.DESCRIBE),
                prefixedTopic(p, Topics.AGENT_EVENTS_PREFIX, AclOperation.READ), prefixedTopic(p, Topics.AGENT_EVENTS_PREFIX, AclOperation.DESCRIBE),
                topic(p, Topics.AGENT_ENROLMENTS, AclOperation.READ), topic(p, Topics.AGENT_ENROLMENTS, AclOperation.DESCRIBE),
                topic(p, Topics.AUDIT_CLOUDEVENTS, AclOperation.WRITE), topic(p, Topics.AUDIT_CLOUDEVENTS, AclOperation.DESCRIBE),
                // each tenant's own CloudEvents topic, made by the audit service when the tenant's first event is published
                prefixedTopic(p, Topics.TENANT_CLOUDEVENTS_PREFIX, AclOperation.WRITE),
                prefixedTopic(p, Topics.TENANT_CLOUDEVENTS_PREFIX, AclOperation.DESCRIBE),
                prefixedTopic(p, Topics.TENANT_CLOUDEVENTS_PREFIX, AclOperation.CREATE),
                topic(p, Topics.AUDIT_DEAD_LETTERS, AclOperation.WRITE), topic(p, Topics.AUDIT_DEAD_LETTERS, AclOperation.DESCRIBE),
                binding(p, ResourceType.GROUP, AUDIT_GROUP_PREFIX, PatternType.PREFIXED, AclOperation.READ));
    }

    /** The MSP's SOC reads the all-tenant CloudEvents topic, in its own groups. */
    static List<AclBinding> mspSoc() {
        return List.of(topic(MSP_SOC, Topics.AUDIT_CLOUDEVENTS, AclOperation.READ), topic(MSP_SOC, Topics.AUDIT_CLOUDEVENTS, AclOperation.DESCRIBE),
                binding(MSP_SOC, ResourceType.GROUP, MSP_SOC + ".", PatternType.PREFIXED, AclOperation.READ));
    }

    /**
     * A tenant's agents read only their command topic, in their own groups, and write only their event topic; the
     * tenant's SOC tool reads only the tenant's CloudEvents, in its own groups.
     */
    public static List<AclBinding> tenant(String tenantId) {
        String agent = agent(tenantId);
        String soc = soc(tenantId);
        return List.of(
                topic(agent, Topics.commands(tenantId), AclOperation.READ), topic(agent, Topics.commands(tenantId), AclOperation.DESCRIBE),
                topic(agent, Topics.agentEvents(tenantId), AclOperation.WRITE), topic(agent, Topics.agentEvents(tenantId), AclOperation.DESCRIBE),
                binding(agent, ResourceType.GROUP, AGENT_GROUP_PREFIX + tenantId + ".", PatternType.PREFIXED, AclOperation.READ),
                topic(soc, Topics.tenantCloudEvents(tenantId), AclOperation.READ), topic(soc, Topics.tenantCloudEvents(tenantId), AclOperation.DESCRIBE),
                binding(soc, ResourceType.GROUP, soc + ".", PatternType.PREFIXED, AclOperation.READ));
    }

    private static AclBinding topic(String principal, String name, AclOperation operation) {
        return binding(principal, ResourceType.TOPIC, name, PatternType.LITERAL, operation);
    }

    private static AclBinding prefixedTopic(String principal, String prefix, AclOperation operation) {
        return binding(principal, ResourceType.TOPIC, prefix, PatternType.PREFIXED, operation);
    }

    private static AclBinding binding(String principal, ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + principal, HOST, operation, AclPermissionType.ALLOW));
    }
}
