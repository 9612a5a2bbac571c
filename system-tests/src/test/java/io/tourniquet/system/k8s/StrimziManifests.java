package io.tourniquet.system.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.tourniquet.policy.kubernetes.StrimziKafkaUsers;
import io.tourniquet.policy.kubernetes.StrimziKafkaUsers.Authentication;
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

/**
 * The Strimzi resources that come from the code's own tables: a KafkaTopic per fixed topic of {@link Topics#central()}
 * and a KafkaUser per service principal with exactly its ACLs of {@link KafkaAcls#services()} (made by the policy
 * service's StrimziKafkaUsers, as the tenants' users are at onboarding). k8s/base/kafka/topics.yaml
 * and users.yaml are this output; {@code KubernetesManifestsTest} fails when they differ (run it with
 * {@code -Dk8s.regenerate=true} to rewrite them). Replication (replicas, min.insync.replicas) is the cluster's, set per
 * overlay, so it is left out of each topic.
 */
final class StrimziManifests {

    static final String CLUSTER = "tourniquet";
    static final String API_VERSION = "kafka.strimzi.io/v1";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).disable(YAMLGenerator.Feature.USE_NATIVE_TYPE_ID));
    private static final String HEADER = "# Generated from the code's tables by StrimziManifests (system-tests); do not edit: run\n"
            + "# ./mvnw -pl system-tests test -Dtest=KubernetesManifestsTest -Dk8s.regenerate=true\n";

    private StrimziManifests() {
    }

    static String topics() {
        List<Object> documents = new ArrayList<>();
        for (TopicSpec spec : Topics.central()) {
            Map<String, String> config = new TreeMap<>(spec.configs());
            Map<String, Object> topicSpec = new LinkedHashMap<>();
            topicSpec.put("topicName", spec.name());
            topicSpec.put("partitions", spec.partitions());
            topicSpec.put("config", config);
            documents.add(resource("KafkaTopic", spec.name(), topicSpec));
        }
        return yaml(documents);
    }

    static String users() {
        List<Object> documents = new ArrayList<>(StrimziKafkaUsers.users(KafkaAcls.services(), CLUSTER, principal -> Authentication.SCRAM_SHA_512, Map.of()).values());
        return yaml(documents);
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
