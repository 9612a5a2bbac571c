package io.tourniquet.policy.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.KafkaUserScramSha512ClientAuthentication;
import io.strimzi.api.kafka.model.user.KafkaUserTlsClientAuthentication;
import io.strimzi.api.kafka.model.user.acl.AclResourcePatternType;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleType;
import io.tourniquet.policy.kubernetes.StrimziKafkaUsers.Authentication;
import io.tourniquet.schemas.security.KafkaAcls;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Onboarding in Kubernetes: the tenant's KafkaUsers, made and deleted through fabric8's mock API server. */
class TenantKafkaUsersTest {

    private final KubernetesApi api = new KubernetesApi(true);

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void onboardingMakesTheTenantsAgentAndSocUsersWithExactlyTheAclsTheBrokerGetsElsewhere() {
        TenantKafkaUsers users = new TenantKafkaUsers(api.client(), KubernetesApi.NAMESPACE, "tourniquet", Authentication.SCRAM_SHA_512);

        assertThat(users.grant("contoso")).containsExactly("agent-contoso", "soc-contoso");

        assertThat(api.kafkaUsers()).hasSize(2).allSatisfy(user -> {
            assertThat(user.getMetadata().getNamespace()).isEqualTo(KubernetesApi.NAMESPACE);
            assertThat(user.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "tourniquet").containsEntry("tourniquet.io/tenant", "contoso");
            assertThat(user.getSpec().getAuthentication()).isInstanceOf(KafkaUserScramSha512ClientAuthentication.class);
            assertThat(user.getSpec().getAuthorization()).isInstanceOf(KafkaUserAuthorizationSimple.class);
        });
        // read back from the API server and turned into Kafka's bindings: the same grants the embedded broker gets
        assertThat(api.kafkaUsers().stream().flatMap(u -> bindings(u).stream()).toList())
                .containsExactlyInAnyOrderElementsOf(KafkaAcls.tenant("contoso"));
    }

    @Test
    void agentsAuthenticateByCertificateWhenConfiguredTheirSocToolStillByPassword() {
        new TenantKafkaUsers(api.client(), KubernetesApi.NAMESPACE, "tourniquet", Authentication.TLS).grant("fabrikam");

        assertThat(api.kafkaUsers()).filteredOn(u -> u.getMetadata().getName().equals("agent-fabrikam")).singleElement()
                .satisfies(u -> assertThat(u.getSpec().getAuthentication()).isInstanceOf(KafkaUserTlsClientAuthentication.class));
        assertThat(api.kafkaUsers()).filteredOn(u -> u.getMetadata().getName().equals("soc-fabrikam")).singleElement()
                .satisfies(u -> assertThat(u.getSpec().getAuthentication()).isInstanceOf(KafkaUserScramSha512ClientAuthentication.class));
    }

    @Test
    void onboardingAgainPutsBackAUserThatWasWidenedByHand() {
        TenantKafkaUsers users = new TenantKafkaUsers(api.client(), KubernetesApi.NAMESPACE, "tourniquet", Authentication.SCRAM_SHA_512);
        users.grant("contoso");
        KafkaUser widened = api.kafkaUsers().stream().filter(u -> u.getMetadata().getName().equals("agent-contoso")).findFirst().orElseThrow();
        AclRule everyTopic = new AclRule();
        everyTopic.setResource(topicPrefix(""));
        everyTopic.setOperations(List.of(io.strimzi.api.kafka.model.user.acl.AclOperation.ALL));
        everyTopic.setType(AclRuleType.ALLOW);
        ((KafkaUserAuthorizationSimple) widened.getSpec().getAuthorization()).getAcls().add(everyTopic);
        api.client().resource(widened).update();

        users.grant("contoso");

        assertThat(api.kafkaUsers().stream().flatMap(u -> bindings(u).stream()).toList())
                .containsExactlyInAnyOrderElementsOf(KafkaAcls.tenant("contoso"));
    }

    @Test
    void offboardingDeletesOnlyThatTenantsUsers() {
        TenantKafkaUsers users = new TenantKafkaUsers(api.client(), KubernetesApi.NAMESPACE, "tourniquet", Authentication.SCRAM_SHA_512);
        users.grant("contoso");
        users.grant("fabrikam");

        assertThat(users.revoke("contoso")).containsExactly("agent-contoso", "soc-contoso");

        assertThat(api.kafkaUsers()).extracting(u -> u.getMetadata().getName()).containsExactlyInAnyOrder("agent-fabrikam", "soc-fabrikam");
        assertThat(users.revoke("contoso")).isEmpty();
    }

    @Test
    void aRefusalOfTheKubernetesApiIsAnErrorThatSaysWhatWasRefusedAndWhy() {
        try (KubernetesApi refusing = new KubernetesApi(false)) {
            refusing.server().expect().post().withPath("/apis/kafka.strimzi.io/v1/namespaces/msp/kafkausers")
                    .andReturn(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":403,\"reason\":\"Forbidden\","
                            + "\"message\":\"kafkausers.kafka.strimzi.io is forbidden: User cannot create resource\"}").always();
            TenantKafkaUsers users = new TenantKafkaUsers(refusing.client(), KubernetesApi.NAMESPACE, "tourniquet", Authentication.SCRAM_SHA_512);

            assertThatThrownBy(() -> users.grant("contoso")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("create KafkaUser agent-contoso").hasMessageContaining("namespace msp").hasMessageContaining("HTTP 403")
                    .hasMessageContaining("is forbidden");
        }
    }

    @Test
    void outsideKubernetesNothingIsMadeOrDeleted() {
        TenantKafkaUsers users = TenantKafkaUsers.disabled();

        assertThat(users.enabled()).isFalse();
        assertThat(users.grant("contoso")).isEmpty();
        assertThat(users.revoke("contoso")).isEmpty();
    }

    /** Strimzi's rules as Kafka's bindings, written independently of StrimziKafkaUsers. */
    private static List<AclBinding> bindings(KafkaUser user) {
        List<AclBinding> bindings = new ArrayList<>();
        for (AclRule rule : ((KafkaUserAuthorizationSimple) user.getSpec().getAuthorization()).getAcls()) {
            ResourcePattern pattern;
            if (rule.getResource() instanceof AclRuleTopicResource topic) {
                pattern = new ResourcePattern(ResourceType.TOPIC, topic.getName(), patternType(topic.getPatternType()));
            } else if (rule.getResource() instanceof AclRuleGroupResource group) {
                pattern = new ResourcePattern(ResourceType.GROUP, group.getName(), patternType(group.getPatternType()));
            } else {
                throw new AssertionError("a tenant has no rule on " + rule.getResource());
            }
            assertThat(rule.getType()).isEqualTo(AclRuleType.ALLOW);
            for (var operation : rule.getOperations()) {
                AclOperation kafka = AclOperation.fromString(operation.toValue().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
                bindings.add(new AclBinding(pattern, new AccessControlEntry("User:" + user.getMetadata().getName(), rule.getHost(), kafka, AclPermissionType.ALLOW)));
            }
        }
        return bindings;
    }

    private static PatternType patternType(AclResourcePatternType type) {
        return type == AclResourcePatternType.PREFIX ? PatternType.PREFIXED : PatternType.LITERAL;
    }

    private static AclRuleTopicResource topicPrefix(String prefix) {
        AclRuleTopicResource topic = new AclRuleTopicResource();
        topic.setName(prefix);
        topic.setPatternType(AclResourcePatternType.PREFIX);
        return topic;
    }
}
