package io.tourniquet.policy.kubernetes;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthentication;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimpleBuilder;
import io.strimzi.api.kafka.model.user.KafkaUserBuilder;
import io.strimzi.api.kafka.model.user.KafkaUserScramSha512ClientAuthentication;
import io.strimzi.api.kafka.model.user.KafkaUserTlsClientAuthentication;
import io.strimzi.api.kafka.model.user.acl.AclOperation;
import io.strimzi.api.kafka.model.user.acl.AclResourcePatternType;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleBuilder;
import io.strimzi.api.kafka.model.user.acl.AclRuleClusterResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResourceBuilder;
import io.strimzi.api.kafka.model.user.acl.AclRuleResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResourceBuilder;
import io.strimzi.api.kafka.model.user.acl.AclRuleTransactionalIdResourceBuilder;
import io.strimzi.api.kafka.model.user.acl.AclRuleType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;

/**
 * The Strimzi KafkaUser of a principal with exactly the grants of its ACL bindings (KafkaAcls), in Strimzi's shape:
 * one rule per resource, its operations sorted. The service principals' users in k8s/base/kafka/users.yaml and the
 * tenants' users made at onboarding both come from here.
 */
public final class StrimziKafkaUsers {

    /** The label the Strimzi User Operator selects its cluster's users by. */
    public static final String CLUSTER_LABEL = "strimzi.io/cluster";
    private static final String USER_PREFIX = "User:";

    /** How a principal authenticates: a SCRAM-SHA-512 password or a client certificate, both issued by Strimzi. */
    public enum Authentication {
        SCRAM_SHA_512, TLS;

        KafkaUserAuthentication model() {
            return this == TLS ? new KafkaUserTlsClientAuthentication() : new KafkaUserScramSha512ClientAuthentication();
        }
    }

    private StrimziKafkaUsers() {
    }

    /** One user per principal of the bindings, by principal name, each authenticated as {@code authentication} says for it. */
    public static Map<String, KafkaUser> users(List<AclBinding> bindings, String cluster, Function<String, Authentication> authentication,
            Map<String, String> labels) {
        Map<String, List<AclBinding>> byPrincipal = new TreeMap<>();
        for (AclBinding binding : bindings) {
            byPrincipal.computeIfAbsent(principal(binding), p -> new ArrayList<>()).add(binding);
        }
        Map<String, KafkaUser> users = new TreeMap<>();
        byPrincipal.forEach((principal, own) -> users.put(principal, user(principal, own, cluster, authentication.apply(principal), labels)));
        return users;
    }

    private static KafkaUser user(String principal, List<AclBinding> bindings, String cluster, Authentication authentication, Map<String, String> labels) {
        Map<String, String> allLabels = new TreeMap<>(labels);
        allLabels.put(CLUSTER_LABEL, cluster);
        return new KafkaUserBuilder()
                .withMetadata(new ObjectMetaBuilder().withName(principal).withLabels(allLabels).build())
                .withNewSpec()
                .withAuthentication(authentication.model())
                .withAuthorization(new KafkaUserAuthorizationSimpleBuilder().withAcls(rules(bindings)).build())
                .endSpec()
                .build();
    }

    /** The bindings' grants, one allow rule per resource pattern. */
    static List<AclRule> rules(List<AclBinding> bindings) {
        Map<ResourcePattern, TreeSet<AclOperation>> operations = new TreeMap<>(
                Comparator.comparing((ResourcePattern p) -> p.resourceType().name()).thenComparing(ResourcePattern::name)
                        .thenComparing(p -> p.patternType().name()));
        for (AclBinding binding : bindings) {
            operations.computeIfAbsent(binding.pattern(), p -> new TreeSet<>(Comparator.comparing(AclOperation::toValue)))
                    .add(AclOperation.valueOf(binding.entry().operation().name().replace("_", "")));
        }
        List<AclRule> rules = new ArrayList<>();
        operations.forEach((pattern, ops) -> rules.add(new AclRuleBuilder().withResource(resource(pattern)).withOperations(List.copyOf(ops))
                .withHost("*").withType(AclRuleType.ALLOW).build()));
        return rules;
    }

    private static AclRuleResource resource(ResourcePattern pattern) {
        AclResourcePatternType type = pattern.patternType() == PatternType.PREFIXED ? AclResourcePatternType.PREFIX : AclResourcePatternType.LITERAL;
        return switch (pattern.resourceType()) {
            case TOPIC -> new AclRuleTopicResourceBuilder().withName(pattern.name()).withPatternType(type).build();
            case GROUP -> new AclRuleGroupResourceBuilder().withName(pattern.name()).withPatternType(type).build();
            case TRANSACTIONAL_ID -> new AclRuleTransactionalIdResourceBuilder().withName(pattern.name()).withPatternType(type).build();
            case CLUSTER -> new AclRuleClusterResource();
            default -> throw new IllegalArgumentException("no Strimzi ACL resource for " + pattern.resourceType());
        };
    }

    private static String principal(AclBinding binding) {
        String principal = binding.entry().principal();
        if (!principal.startsWith(USER_PREFIX)) {
            throw new IllegalArgumentException("not a user principal: " + principal);
        }
        return principal.substring(USER_PREFIX.length());
    }
}
