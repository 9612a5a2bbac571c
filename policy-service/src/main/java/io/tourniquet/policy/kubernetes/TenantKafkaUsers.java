package io.tourniquet.policy.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserList;
import io.tourniquet.policy.kubernetes.StrimziKafkaUsers.Authentication;
import io.tourniquet.schemas.security.KafkaAcls;
import io.tourniquet.schemas.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tenant's Kafka principals as Strimzi KafkaUsers, when the policy service runs in Kubernetes beside a Strimzi
 * cluster: onboarding creates them (the User Operator then issues their credentials as Secrets of the same names and
 * puts exactly {@link KafkaAcls#tenant}'s ACLs on the broker), offboarding deletes them (credentials and ACLs go with
 * them). The service needs only the right to manage KafkaUsers in one namespace (k8s/base/services/policy-service-rbac.yaml),
 * and the admission policy of k8s/cluster lets it write nothing but such users; outside Kubernetes it does nothing here.
 */
public final class TenantKafkaUsers {

    /** Marks the users made for a tenant, so that offboarding finds exactly them. */
    public static final String TENANT_LABEL = "tourniquet.io/tenant";

    private final KubernetesClient client;
    private final String namespace;
    private final String cluster;
    private final Authentication agentAuthentication;

    /** @param client null: not in Kubernetes, onboarding leaves Kafka access to the Kafka administrator */
    public TenantKafkaUsers(KubernetesClient client, String namespace, String cluster, Authentication agentAuthentication) {
        this.client = client;
        this.namespace = namespace;
        this.cluster = cluster;
        this.agentAuthentication = agentAuthentication;
    }

    public static TenantKafkaUsers disabled() {
        return new TenantKafkaUsers(null, null, null, null);
    }

    public boolean enabled() {
        return client != null;
    }

    public String namespace() {
        return namespace;
    }

    /** The users the tenant gets: its agents' (authenticated as configured) and its SOC tool's (SCRAM-SHA-512). */
    public Map<String, KafkaUser> desired(String tenant) {
        String agent = KafkaAcls.agent(tenant);
        return StrimziKafkaUsers.users(KafkaAcls.tenant(tenant), cluster, principal -> principal.equals(agent) ? agentAuthentication : Authentication.SCRAM_SHA_512,
                Map.of(TENANT_LABEL, tenant));
    }

    /** Creates the tenant's users, or puts them back as {@link #desired} says when they exist; their names. */
    public List<String> grant(String tenant) {
        if (!enabled()) {
            return List.of();
        }
        List<String> made = new ArrayList<>();
        for (KafkaUser user : desired(tenant).values()) {
            try {
                users().resource(user).createOr(NonDeletingOperation::update);
            } catch (KubernetesClientException e) {
                throw refused("create KafkaUser " + user.getMetadata().getName(), e);
            }
            made.add(user.getMetadata().getName());
        }
        return made;
    }

    /** Deletes every user made for the tenant (and so its credentials and ACLs); the names deleted. */
    public List<String> revoke(String tenant) {
        Topics.requireValidTenant(tenant);
        if (!enabled()) {
            return List.of();
        }
        try {
            List<String> names = users().withLabel(TENANT_LABEL, tenant).list().getItems().stream().map(u -> u.getMetadata().getName()).sorted().toList();
            users().withLabel(TENANT_LABEL, tenant).delete();
            return names;
        } catch (KubernetesClientException e) {
            throw refused("delete the KafkaUsers of tenant " + tenant, e);
        }
    }

    private NonNamespaceOperation<KafkaUser, KafkaUserList, Resource<KafkaUser>> users() {
        return client.resources(KafkaUser.class, KafkaUserList.class).inNamespace(namespace);
    }

    private IllegalStateException refused(String what, KubernetesClientException e) {
        String reason = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
        return new IllegalStateException("the Kubernetes API did not " + what + " in namespace " + namespace + " (HTTP " + e.getCode() + "): " + reason, e);
    }
}
