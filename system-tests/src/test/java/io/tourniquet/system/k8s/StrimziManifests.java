package io.tourniquet.system.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.tourniquet.schemas.security.KafkaAcls;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The Strimzi resources that come from the code's own tables: a KafkaTopic per fixed topic of {@link Topics#central()}
 * and a KafkaUser per service principal with exactly its ACLs of {@link KafkaAcls#services()}. k8s/base/kafka/topics.yaml
 * and users.yaml are this output; {@code KubernetesManifestsTest} fails when they differ (run it with
 * {@code -Dk8s.regenerate=true} to rewrite them). Replication (replicas, min.insync.replicas) is the cluster's, set per
 * overlay, so it is left out of each topic.
 */
final class StrimziManifests {

    static final String CLUSTER = "tourniquet";
    static final String API_VERSION = "kafka.strimzi.io/v1beta2";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    private static final String HEADER = "# Generated from the code's tables by StrimziManifests (system-tests); do not edit: run\n"
            + "# ./mvnw -pl system-tests test -Dtest=KubernetesManifestsTest -Dk8s.regenerate=true\n";

    private StrimziManifests() {
    }

    static String topics() {
        List<Object> documents = new ArrayList<>();
        for (TopicSpec spec : Topics.central()) {
            Map<String, String> config = new TreeMap<>(spec.configs());
            config.remove(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            Map<String, Object> topicSpec = new LinkedHashMap<>();
            topicSpec.put("topicName", spec.name());
            topicSpec.put("partitions", spec.partitions());
            topicSpec.put("config", config);
            documents.add(resource("KafkaTopic", spec.name(), topicSpec));
        }
        return yaml(documents);
    }

    static String users() {
        Map<String, List<AclBinding>> byPrincipal = new TreeMap<>();
        for (AclBinding binding : KafkaAcls.services()) {
            byPrincipal.computeIfAbsent(binding.entry().principal().substring("User:".length()), p -> new ArrayList<>()).add(binding);
        }
        List<Object> documents = new ArrayList<>();
        byPrincipal.forEach((principal, bindings) -> {
            Map<String, Object> userSpec = new LinkedHashMap<>();
            userSpec.put("authentication", Map.of("type", "scram-sha-512"));
            Map<String, Object> authorization = new LinkedHashMap<>();
            authorization.put("type", "simple");
            authorization.put("acls", acls(bindings));
            userSpec.put("authorization", authorization);
            documents.add(resource("KafkaUser", principal, userSpec));
        });
        return yaml(documents);
    }

    /** One rule per resource, its operations sorted: the same grants as the bindings, in Strimzi's shape. */
    private static List<Object> acls(List<AclBinding> bindings) {
        Map<List<String>, TreeSet<String>> operations = new TreeMap<>((a, b) -> String.join("|", a).compareTo(String.join("|", b)));
        for (AclBinding binding : bindings) {
            var pattern = binding.pattern();
            List<String> resource = List.of(resourceType(pattern.resourceType().name()), pattern.name(), pattern.patternType().name().equals("PREFIXED")
                    ? "prefix" : "literal");
            operations.computeIfAbsent(resource, r -> new TreeSet<>()).add(operation(binding.entry().operation().name()));
        }
        List<Object> rules = new ArrayList<>();
        operations.forEach((resource, ops) -> {
            Map<String, Object> res = new LinkedHashMap<>();
            res.put("type", resource.get(0));
            if (!resource.get(0).equals("cluster")) {
                res.put("name", resource.get(1));
                res.put("patternType", resource.get(2));
            }
            Map<String, Object> rule = new LinkedHashMap<>();
            rule.put("resource", res);
            rule.put("operations", List.copyOf(ops));
            rule.put("host", "*");
            rule.put("type", "allow");
            rules.add(rule);
        });
        return rules;
    }

    static String resourceType(String kafka) {
        return switch (kafka) {
            case "TOPIC" -> "topic";
            case "GROUP" -> "group";
            case "CLUSTER" -> "cluster";
            case "TRANSACTIONAL_ID" -> "transactionalId";
            default -> throw new IllegalArgumentException("no Strimzi ACL resource for " + kafka);
        };
    }

    /** Kafka's operation names (DESCRIBE_CONFIGS) as Strimzi spells them (DescribeConfigs). */
    static String operation(String kafka) {
        StringBuilder name = new StringBuilder();
        for (String word : kafka.split("_")) {
            name.append(word.charAt(0)).append(word.substring(1).toLowerCase());
        }
        return name.toString();
    }

    private static Map<String, Object> resource(String kind, String name, Map<String, Object> spec) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("apiVersion", API_VERSION);
        document.put("kind", kind);
        // ordered maps throughout: the file is compared as text
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("name", name);
        metadata.put("labels", Map.of("strimzi.io/cluster", CLUSTER));
        document.put("metadata", metadata);
        document.put("spec", spec);
        return document;
    }

    private static String yaml(List<Object> documents) {
        StringBuilder out = new StringBuilder(HEADER);
        try {
            for (Object document : documents) {
                out.append("---\n").append(YAML.writeValueAsString(document));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
