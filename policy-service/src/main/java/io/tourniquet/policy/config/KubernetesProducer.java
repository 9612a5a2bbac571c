package io.tourniquet.policy.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.tourniquet.policy.kubernetes.TenantKafkaUsers;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The Kubernetes client is made only when tenants' KafkaUsers are on: outside Kubernetes nothing looks for a cluster. */
public class KubernetesProducer {

    @Produces
    @Singleton
    TenantKafkaUsers tenantKafkaUsers(PolicyConfig config, Instance<KubernetesClient> clients) {
        PolicyConfig.Kubernetes kubernetes = config.kubernetes();
        if (!kubernetes.tenantUsers()) {
            return TenantKafkaUsers.disabled();
        }
        KubernetesClient client = clients.get();
        return new TenantKafkaUsers(client, kubernetes.namespace().orElse(client.getNamespace()), kubernetes.kafkaCluster(),
                kubernetes.agentAuthentication());
    }
}
