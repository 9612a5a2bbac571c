package io.tourniquet.policy.kubernetes;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * The module's @QuarkusTests run the policy service as in Kubernetes, against fabric8's mock API server: onboarding
 * through the REST API makes the tenant's KafkaUsers there.
 */
public class KubernetesApiResource implements QuarkusTestResourceLifecycleManager {

    private static KubernetesApi api;

    @Override
    public Map<String, String> start() {
        api = new KubernetesApi(true);
        return Map.of("quarkus.kubernetes-client.api-server-url", api.url(),
                "quarkus.kubernetes-client.namespace", KubernetesApi.NAMESPACE,
                "tourniquet.policy.kubernetes.tenant-users", "true");
    }

    @Override
    public void stop() {
        api.close();
    }

    public static KubernetesApi api() {
        return api;
    }
}
