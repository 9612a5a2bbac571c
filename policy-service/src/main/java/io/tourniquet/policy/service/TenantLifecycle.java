package io.tourniquet.policy.service;

import io.tourniquet.policy.kubernetes.TenantKafkaUsers;
import io.tourniquet.policy.messaging.AdminAuditPublisher;
import io.tourniquet.policy.messaging.EnrolmentPublisher;
import io.tourniquet.policy.streams.PolicyTopology;
import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.jboss.logging.Logger;

/**
 * Tenant onboarding and offboarding as the policy service sees them: the tenant's topics, its enrolled agents, its
 * policy, and the record of it in the audit trail. Its Kafka principals and ACLs: in Kubernetes, the tenant's
 * Strimzi KafkaUsers, made and deleted here (TenantKafkaUsers); elsewhere granted and revoked by the MSP's Kafka
 * administrator ({@code ./tourniquet tenant onboard|offboard}, TenantAccess), since no service holds the
 * cluster-wide right to make ACLs: the caller reports what it did there, and it is recorded with who did it.
 */
@ApplicationScoped
public class TenantLifecycle {

    private static final Logger LOG = Logger.getLogger(TenantLifecycle.class);

    /** What the Kafka administrator did for the tenant, as reported by the caller (recorded, not trusted for anything else). */
    public record KafkaAccess(List<String> principals, Integer aclsDeleted, List<String> topicsDeleted) {
    }

    @Inject
    PolicyAdmin admin;

    @Inject
    TopologyStores stores;

    @Inject
    EnrolmentPublisher enrolments;

    @Inject
    AdminAuditPublisher audit;

    @Inject
    TenantKafkaUsers kafkaUsers;

    /** Creates the tenant's topics and records the onboarding. */
    public Map<String, Object> onboard(String tenant, String by, KafkaAccess access) {
        Topics.requireValidTenant(tenant);
        PolicyAdmin.requireAdmin(by);
        List<String> topics = admin.ensureTenantTopics(tenant);
        List<String> usersMade = kafkaUsers.grant(tenant);
        List<String> principals = new ArrayList<>(usersMade);
        if (access != null && access.principals() != null) {
            access.principals().stream().filter(p -> !principals.contains(p)).forEach(principals::add);
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("topics", String.join(",", topics));
        details.put("principals", String.join(",", principals));
        if (kafkaUsers.enabled()) {
            details.put("kafkaUsers", kafkaUsers.namespace() + ": " + String.join(",", usersMade));
        }
        audit.record(AuditType.TENANT_ONBOARDED, "onboarded", by, tenant, null, null, "tenant onboarded", details);
        LOG.infof("tenant %s onboarded by %s", tenant, by);
        return Map.of("tenantId", tenant, "topics", topics, "principals", principals);
    }

    /**
     * Revokes every enrolled agent of the tenant (their events are refused from now on), switches the tenant's
     * mitigations off (no command is decided for it any more; nothing is removed from servers the MSP no longer
     * manages), and records the offboarding.
     */
    public Map<String, Object> offboard(String tenant, String by, String reason, KafkaAccess access) {
        Topics.requireValidTenant(tenant);
        PolicyAdmin.requireAdmin(by);
        PolicyAdmin.requireReason(reason);
        // Kafka access first: the tenant's agents are cut off before anything else changes
        List<String> usersDeleted = kafkaUsers.revoke(tenant);
        List<String> revoked = stores.read(() -> {
            List<String> servers = new ArrayList<>();
            ReadOnlyKeyValueStore<String, SpecificRecord> enrolled = stores.get(PolicyTopology.ENROLMENTS_STORE);
            // keys are <tenant>/<server>; '/' + 1 is '0', so the range holds exactly this tenant's servers
            try (var range = enrolled.range(tenant + "/", tenant + "0")) {
                range.forEachRemaining(kv -> servers.add(((AgentEnrolment) kv.value).getServerId()));
            }
            return servers;
        });
        revoked.forEach(server -> enrolments.revoke(tenant, server));
        PolicyDocument current = admin.policy(tenant).map(PolicyDocument::of).orElse(PolicyDocument.DEFAULTS);
        admin.setPolicy(current.withMitigationsEnabled(false).toPolicy(tenant, by, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
        Map<String, String> details = new LinkedHashMap<>();
        details.put("agentsUnenrolled", String.join(",", revoked));
        if (kafkaUsers.enabled()) {
            details.put("kafkaUsersDeleted", kafkaUsers.namespace() + ": " + String.join(",", usersDeleted));
        }
        if (access != null) {
            details.put("principalsRevoked", access.principals() == null ? "" : String.join(",", access.principals()));
            details.put("aclsDeleted", String.valueOf(access.aclsDeleted()));
            details.put("topicsDeleted", access.topicsDeleted() == null ? "" : String.join(",", access.topicsDeleted()));
        }
        audit.record(AuditType.TENANT_OFFBOARDED, "offboarded", by, tenant, null, null, reason, details);
        LOG.infof("tenant %s offboarded by %s: %s", tenant, by, details);
        return Map.of("tenantId", tenant, "agentsUnenrolled", revoked, "mitigationsEnabled", false);
    }
}
