package io.tourniquet.system.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleClusterResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTransactionalIdResource;
import io.tourniquet.schemas.security.KafkaAcls;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;

/**
 * k8s/: every overlay builds with kubectl's Kustomize, every resource parses with Strimzi's and fabric8's models with
 * no field they do not know, and the topics and ACLs are exactly those the code gives the secured embedded broker. No
 * Kubernetes cluster runs here: this is everything up to applying them.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of(System.getProperty("tourniquet.home", "..")).resolve("k8s");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(Map.entry("Kafka", Kafka.class),
            Map.entry("KafkaNodePool", KafkaNodePool.class), Map.entry("KafkaTopic", KafkaTopic.class), Map.entry("KafkaUser", KafkaUser.class),
            Map.entry("Namespace", Namespace.class), Map.entry("ConfigMap", ConfigMap.class), Map.entry("Service", Service.class),
            Map.entry("Deployment", Deployment.class), Map.entry("StatefulSet", StatefulSet.class),
            Map.entry("PodDisruptionBudget", PodDisruptionBudget.class), Map.entry("NetworkPolicy", NetworkPolicy.class),
            Map.entry("ServiceAccount", ServiceAccount.class), Map.entry("Role", Role.class), Map.entry("RoleBinding", RoleBinding.class),
            Map.entry("Ingress", Ingress.class), Map.entry("ValidatingAdmissionPolicy", ValidatingAdmissionPolicy.class),
            Map.entry("ValidatingAdmissionPolicyBinding", ValidatingAdmissionPolicyBinding.class));
    /** Resources of operators whose models are not on the classpath: checked for their shape here, not for unknown fields. */
    private static final Set<String> OTHER_OPERATORS = Set.of("postgresql.cnpg.io/v1 Cluster", "postgresql.cnpg.io/v1 ScheduledBackup",
            "monitoring.coreos.com/v1 ServiceMonitor", "cert-manager.io/v1 Issuer", "cert-manager.io/v1 Certificate");

    @Test
    void theTopicsAndUsersAreGeneratedFromTheCodesTables() throws IOException {
        Path topics = K8S.resolve("base/kafka/topics.yaml");
        Path users = K8S.resolve("base/kafka/users.yaml");
        if (Boolean.getBoolean("k8s.regenerate")) {
            Files.writeString(topics, StrimziManifests.topics());
            Files.writeString(users, StrimziManifests.users());
        }
        assertThat(topics).as("regenerate with -Dk8s.regenerate=true").hasContent(StrimziManifests.topics());
        assertThat(users).as("regenerate with -Dk8s.regenerate=true").hasContent(StrimziManifests.users());
    }

    @Test
    void everyOverlayBuildsAndEveryResourceParsesWithNoUnknownField() throws Exception {
        try (var overlays = Files.list(K8S.resolve("overlays"))) {
            List<Path> dirs = overlays.filter(Files::isDirectory).sorted().toList();
            assertThat(dirs).extracting(d -> d.getFileName().toString()).contains("dev", "production");
            List<Path> builds = new ArrayList<>(dirs);
            builds.add(K8S.resolve("cluster"));
            for (Path overlay : builds) {
                List<HasMetadata> resources = build(overlay);
                assertThat(resources).as(overlay.toString()).extracting(HasMetadata::getKind).contains(overlay.endsWith("cluster")
                        ? new String[] {"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
                        : new String[] {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"});
                for (HasMetadata resource : resources) {
                    if (resource instanceof GenericKubernetesResource) {
                        continue; // another operator's resource: no model here to check its fields against
                    }
                    assertThat(unknownFields(resource)).as(overlay.getFileName() + ": " + resource.getKind() + " " + resource.getMetadata().getName())
                            .isEmpty();
                }
            }
        }
    }

    @Test
    void productionIsThreeControllersAndThreeBrokersAcrossZonesWithTwoInSyncReplicas() throws Exception {
        List<HasMetadata> production = build(K8S.resolve("overlays/production"));
        Kafka kafka = only(production, Kafka.class);
        assertThat(kafka.getSpec().getKafka().getConfig()).containsEntry("default.replication.factor", 3).containsEntry("min.insync.replicas", 2)
                .containsEntry("unclean.leader.election.enable", false).containsEntry("auto.create.topics.enable", false);
        assertThat(kafka.getSpec().getKafka().getRack().getTopologyKey()).isEqualTo("topology.kubernetes.io/zone");
        assertThat(of(production, KafkaNodePool.class)).extracting(p -> p.getSpec().getRoles().toString().toLowerCase() + "x" + p.getSpec().getReplicas())
                .containsExactlyInAnyOrder("[controller]x3", "[broker]x3");
        assertThat(of(production, KafkaTopic.class)).allSatisfy(t -> assertThat(t.getSpec().getReplicas()).as(t.getSpec().getTopicName()).isEqualTo(3));

        List<HasMetadata> dev = build(K8S.resolve("overlays/dev"));
        assertThat(of(dev, KafkaNodePool.class)).singleElement().satisfies(p -> assertThat(p.getSpec().getReplicas()).isEqualTo(1));
        assertThat(only(dev, Kafka.class).getSpec().getKafka().getConfig()).containsEntry("default.replication.factor", 1);
    }

    /**
     * The services run as MSPs expect of a security product: non-root, read-only root file system, no privilege
     * escalation, health probes on Quarkus' endpoints, requests and limits, Kafka credentials from the Secret Strimzi
     * makes for the service's own KafkaUser; the two that must stay single do; everything else is denied by default.
     */
    @Test
    void theServicesRunLockedDownWithProbesLimitsAndTheirOwnKafkaCredentials() throws Exception {
        List<HasMetadata> resources = build(K8S.resolve("overlays/production"));
        Set<String> kafkaUsers = of(resources, KafkaUser.class).stream().map(u -> u.getMetadata().getName()).collect(Collectors.toSet());
        Map<String, PodTemplateSpec> workloads = new TreeMap<>();
        of(resources, Deployment.class).forEach(d -> workloads.put(d.getMetadata().getName(), d.getSpec().getTemplate()));
        of(resources, StatefulSet.class).forEach(d -> workloads.put(d.getMetadata().getName(), d.getSpec().getTemplate()));
        assertThat(workloads).containsOnlyKeys("feed-ingestor", "policy-service", "audit-service", "console");
        workloads.forEach((name, pod) -> {
            assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).as(name).isTrue();
            assertThat(pod.getSpec().getContainers()).as(name).allSatisfy(c -> {
                assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
                assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
                assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
                assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
                assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
                // HTTPS only, with the certificate cert-manager issues for this service
                assertThat(List.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe()))
                        .allSatisfy(p -> assertThat(p.getHttpGet().getScheme()).isEqualTo("HTTPS"));
                assertThat(c.getPorts()).extracting(p -> p.getName() + ":" + p.getContainerPort()).containsExactly("https:8443");
                assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/tourniquet/tls"));
                assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
                assertThat(c.getResources().getLimits()).containsKeys("cpu", "memory");
                if (name.equals("console")) {
                    // the console acts only through the APIs, with each person's token: no Kafka identity at all
                    assertThat(c.getEnv()).noneSatisfy(e -> assertThat(e.getName()).startsWith("KAFKA_"));
                    assertThat(kafkaUsers).doesNotContain(name);
                } else {
                    assertThat(c.getEnv()).filteredOn(e -> e.getName().equals("KAFKA_SASL_JAAS_CONFIG")).singleElement()
                            .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(name).isIn(kafkaUsers));
                }
            });
        });
        // the policy service scales by partitions and the console is stateless; the ingestor and the audit service must not
        assertThat(of(resources, Deployment.class)).filteredOn(d -> !List.of("policy-service", "console").contains(d.getMetadata().getName()))
                .allSatisfy(d -> assertThat(d.getSpec().getReplicas()).as(d.getMetadata().getName() + " must stay single").isEqualTo(1));
        assertThat(of(resources, StatefulSet.class)).singleElement().satisfies(s -> assertThat(s.getSpec().getReplicas()).isGreaterThan(1));
        assertThat(of(resources, PodDisruptionBudget.class)).hasSize(4);
        assertThat(of(resources, NetworkPolicy.class)).anySatisfy(n -> {
            assertThat(n.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
            assertThat(n.getSpec().getIngress()).isEmpty();
            assertThat(n.getSpec().getEgress()).isEmpty();
        });
        workloads.forEach((name, pod) -> assertThat(pod.getSpec().getVolumes()).as(name)
                .extracting(v -> v.getSecret() == null ? "" : v.getSecret().getSecretName()).contains(name + "-tls"));
        ConfigMap config = of(resources, ConfigMap.class).stream().filter(m -> m.getMetadata().getName().equals("tourniquet-config")).findFirst().orElseThrow();
        assertThat(config.getData()).containsEntry("QUARKUS_HTTP_INSECURE_REQUESTS", "disabled").doesNotContainKey("QUARKUS_HTTP_PORT");
        assertThat(of(resources, GenericKubernetesResource.class)).filteredOn(r -> r.getKind().equals("Certificate"))
                .extracting(r -> r.get("spec", "secretName").toString())
                .containsExactlyInAnyOrder("tourniquet-services-ca", "feed-ingestor-tls", "policy-service-tls", "audit-service-tls", "console-tls");

        // only the policy service holds a Kubernetes API token, and it may manage KafkaUsers and nothing else
        workloads.forEach((name, pod) -> assertThat(pod.getSpec().getAutomountServiceAccountToken()).as(name).isEqualTo(name.equals("policy-service")));
        assertThat(workloads.get("policy-service").getSpec().getServiceAccountName()).isEqualTo("policy-service");
        assertThat(of(resources, Role.class)).singleElement().satisfies(role -> assertThat(role.getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("kafka.strimzi.io");
            assertThat(rule.getResources()).containsExactly("kafkausers");
        }));
        assertThat(workloads.get("policy-service").getSpec().getContainers().get(0).getEnv())
                .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("TOURNIQUET_POLICY_KUBERNETES_TENANT_USERS=true"));

        // from outside: TLS on every host, re-encrypted to the services and checked against their CA
        Ingress ingress = only(resources, Ingress.class);
        List<String> hosts = ingress.getSpec().getRules().stream().map(r -> r.getHost()).toList();
        assertThat(hosts).hasSize(4);
        assertThat(ingress.getSpec().getTls()).singleElement().satisfies(t -> assertThat(t.getHosts()).containsExactlyInAnyOrderElementsOf(hosts));
        assertThat(ingress.getMetadata().getAnnotations()).containsEntry("nginx.ingress.kubernetes.io/backend-protocol", "HTTPS")
                .containsEntry("nginx.ingress.kubernetes.io/proxy-ssl-verify", "on")
                .containsEntry("nginx.ingress.kubernetes.io/proxy-ssl-secret", "tourniquet/tourniquet-services-ca");
        assertThat(ingress.getSpec().getRules()).extracting(r -> r.getHttp().getPaths().get(0).getBackend().getService().getPort().getName())
                .containsOnly("https");

        assertThat(of(resources, GenericKubernetesResource.class)).extracting(HasMetadata::getKind)
                .containsExactlyInAnyOrder("Cluster", "ScheduledBackup", "ServiceMonitor", "Issuer", "Issuer", "Certificate", "Certificate", "Certificate",
                        "Certificate", "Certificate");
        // the console reaches the two APIs only, and is reached through the ingress controller only
        assertThat(of(resources, NetworkPolicy.class)).filteredOn(n -> n.getMetadata().getName().equals("tourniquet-console")).singleElement()
                .satisfies(n -> {
                    assertThat(n.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
                    assertThat(n.getSpec().getEgress().get(0).getTo()).extracting(t -> t.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"))
                            .containsExactlyInAnyOrder("policy-service", "audit-service");
                    assertThat(n.getSpec().getIngress()).singleElement().satisfies(i -> assertThat(i.getFrom())
                            .extracting(f -> f.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"))
                            .containsExactlyInAnyOrder("ingress-nginx", "monitoring"));
                });
    }

    /** Read back from the manifests through Strimzi's model, compared with what the embedded broker is given. */
    @Test
    void theManifestsTopicsAndAclsAreThoseTheCodeGivesTheEmbeddedBroker() throws Exception {
        List<HasMetadata> resources = build(K8S.resolve("overlays/dev"));
        Map<String, String> topics = new TreeMap<>();
        of(resources, KafkaTopic.class).forEach(t -> topics.put(t.getSpec().getTopicName(), t.getSpec().getPartitions() + " " + new TreeMap<>(
                t.getSpec().getConfig().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue()))))));
        Map<String, String> expectedTopics = new TreeMap<>();
        for (TopicSpec spec : Topics.central()) {
            expectedTopics.put(spec.name(), spec.partitions() + " " + new TreeMap<>(spec.configs()));
        }
        assertThat(topics).isEqualTo(expectedTopics);

        Set<String> grants = new TreeSet<>();
        for (KafkaUser user : of(resources, KafkaUser.class)) {
            assertThat(user.getSpec().getAuthentication().getType()).isEqualTo("scram-sha-512");
            for (AclRule rule : ((KafkaUserAuthorizationSimple) user.getSpec().getAuthorization()).getAcls()) {
                assertThat(rule.getType().toValue()).isEqualTo("allow");
                assertThat(rule.getHost()).isEqualTo("*");
                String resource = resource(rule);
                // Strimzi spells DESCRIBE_CONFIGS DescribeConfigs: compared without case or underscores
                rule.getOperations().forEach(op -> grants.add(user.getMetadata().getName() + " " + resource + " " + op.toValue().toUpperCase(Locale.ROOT)));
            }
        }
        Set<String> expected = new TreeSet<>();
        for (AclBinding binding : KafkaAcls.services()) {
            expected.add(binding.entry().principal().substring("User:".length()) + " " + binding.pattern().resourceType() + " "
                    + binding.pattern().name() + " " + (binding.pattern().patternType().name().equals("PREFIXED") ? "prefix" : "literal") + " "
                    + binding.entry().operation().name().replace("_", ""));
        }
        assertThat(grants).isEqualTo(expected);
    }

    private static String resource(AclRule rule) {
        if (rule.getResource() instanceof AclRuleTopicResource t) {
            return "TOPIC " + t.getName() + " " + t.getPatternType().toValue();
        }
        if (rule.getResource() instanceof AclRuleGroupResource g) {
            return "GROUP " + g.getName() + " " + g.getPatternType().toValue();
        }
        if (rule.getResource() instanceof AclRuleTransactionalIdResource x) {
            return "TRANSACTIONAL_ID " + x.getName() + " " + x.getPatternType().toValue();
        }
        if (rule.getResource() instanceof AclRuleClusterResource) {
            return "CLUSTER kafka-cluster literal";
        }
        throw new AssertionError("unexpected ACL resource " + rule.getResource());
    }

    private static List<HasMetadata> build(Path overlay) throws Exception {
        Process kustomize = new ProcessBuilder("kubectl", "kustomize", overlay.toString()).redirectErrorStream(false).start();
        byte[] output = kustomize.getInputStream().readAllBytes();
        String errors = new String(kustomize.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kustomize.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kustomize.exitValue()).as("kubectl kustomize " + overlay + ": " + errors).isZero();
        List<HasMetadata> resources = new ArrayList<>();
        for (String document : new String(output, StandardCharsets.UTF_8).split("(?m)^---$")) {
            if (document.isBlank()) {
                continue;
            }
            JsonNode tree = YAML.readTree(document);
            if (OTHER_OPERATORS.contains(tree.path("apiVersion").asText() + " " + tree.path("kind").asText())) {
                resources.add(YAML.treeToValue(tree, GenericKubernetesResource.class));
                continue;
            }
            Class<? extends HasMetadata> type = KINDS.get(tree.path("kind").asText());
            assertThat(type).as("a kind this test knows: " + tree.path("kind").asText()).isNotNull();
            // the version the model (and so the policy service's client) speaks: kafka.strimzi.io/v1 for Strimzi 0.49
            assertThat(tree.path("apiVersion").asText()).as(tree.path("kind").asText() + " " + tree.path("metadata").path("name").asText())
                    .isEqualTo(HasMetadata.getApiVersion(type));
            resources.add(YAML.treeToValue(tree, type));
        }
        return resources;
    }

    private static <T> List<T> of(List<HasMetadata> resources, Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T> T only(List<HasMetadata> resources, Class<T> type) {
        List<T> found = of(resources, type);
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    /**
     * Strimzi's and fabric8's model classes keep fields they do not know in additionalProperties instead of failing:
     * every such field, anywhere in the resource, with its path.
     */
    static List<String> unknownFields(Object resource) {
        List<String> unknown = new ArrayList<>();
        walk(resource, "", unknown, new IdentityHashMap<>());
        return unknown;
    }

    private static void walk(Object value, String path, List<String> unknown, Map<Object, Boolean> seen) {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        String name = value.getClass().getName();
        if (!name.startsWith("io.strimzi.") && !name.startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || getter.getDeclaringClass() == Object.class || !getter.getName().startsWith("get")) {
                continue;
            }
            try {
                Object field = getter.invoke(value);
                if (getter.getName().equals("getAdditionalProperties") && field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + " " + extra.keySet());
                } else if (!(field instanceof Map<?, ?>)) {
                    walk(field, path + "." + getter.getName().substring(3), unknown, seen);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // a computed getter that needs state the resource does not have: not a field
            }
        }
    }
}
