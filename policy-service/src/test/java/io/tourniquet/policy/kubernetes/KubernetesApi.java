package io.tourniquet.policy.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserList;
import java.util.HashMap;
import java.util.List;

/** fabric8's mock Kubernetes API server (no cluster runs here), keeping what is created, KafkaUsers included. */
public final class KubernetesApi implements AutoCloseable {

    public static final String NAMESPACE = "msp";

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    /** @param crud true: a server that keeps resources; false: one that answers only what a test expects */
    public KubernetesApi(boolean crud) {
        CustomResourceDefinitionContext kafkaUsers = CustomResourceDefinitionContext.fromCustomResourceType(KafkaUser.class);
        server = crud ? new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(List.of(kafkaUsers)), false)
                : new KubernetesMockServer(false);
        server.init();
        client = server.createClient(builder -> builder.editOrNewConfig().withNamespace(NAMESPACE).endConfig());
    }

    public KubernetesMockServer server() {
        return server;
    }

    public KubernetesClient client() {
        return client;
    }

    public String url() {
        return client.getConfiguration().getMasterUrl();
    }

    public List<KafkaUser> kafkaUsers() {
        return client.resources(KafkaUser.class, KafkaUserList.class).inNamespace(NAMESPACE).list().getItems();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
