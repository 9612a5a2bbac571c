package io.tourniquet.schemas.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.schemas.topics.Topics;
import java.util.List;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The table's promises, read off the table itself; the broker enforcing it is tested in dev-stack. */
class KafkaAclsTest {

    private static final List<AclBinding> ALL = KafkaAcls.all(List.of("acme", "globex"));

    private static boolean covers(AclBinding b, String topic) {
        return b.pattern().resourceType() == ResourceType.TOPIC && (b.pattern().patternType() == PatternType.LITERAL
                ? b.pattern().name().equals(topic) : topic.startsWith(b.pattern().name()));
    }

    private static List<String> writersOf(String topic) {
        return ALL.stream().filter(b -> covers(b, topic) && b.entry().operation() == AclOperation.WRITE)
                .map(b -> b.entry().principal()).distinct().toList();
    }

    @Test
    void onlyTheIngestorPublishesMitigationsAndOnlyThePolicyServiceCommands() {
        assertThat(writersOf(Topics.MITIGATIONS)).containsExactly("User:feed-ingestor");
        assertThat(writersOf(Topics.FEED_VERSIONS)).containsExactly("User:feed-ingestor");
        assertThat(writersOf(Topics.commands("acme"))).containsExactly("User:policy-service");
        assertThat(writersOf(Topics.TENANT_POLICIES)).containsExactly("User:policy-service");
        assertThat(writersOf(Topics.AUDIT_CLOUDEVENTS)).containsExactly("User:audit-service");
    }

    @Test
    void aTenantsAgentsReachOnlyThatTenantsTopicsAndGroups() {
        List<AclBinding> acme = ALL.stream().filter(b -> b.entry().principal().matches("User:(agent|soc)-acme")).toList();
        assertThat(acme).isNotEmpty().allSatisfy(b -> assertThat(b.pattern().name()).contains("acme").doesNotContain("globex"));
        assertThat(acme).filteredOn(b -> b.pattern().resourceType() == ResourceType.TOPIC)
                .allSatisfy(b -> assertThat(b.pattern().patternType()).isEqualTo(PatternType.LITERAL));
        assertThat(writersOf(Topics.agentEvents("acme"))).containsExactly("User:agent-acme");
        assertThat(ALL.stream().filter(b -> covers(b, Topics.commands("acme")) && b.entry().operation() == AclOperation.READ)
                .map(b -> b.entry().principal())).containsExactly("User:agent-acme");
    }

    @Test
    void aTenantsSocReadsOnlyItsTenantsCloudEventsAndTheMspSocTheWholeStream() {
        List<String> readersOfAcme = ALL.stream().filter(b -> covers(b, Topics.tenantCloudEvents("acme")) && b.entry().operation() == AclOperation.READ)
                .map(b -> b.entry().principal()).toList();
        assertThat(readersOfAcme).containsExactly("User:soc-acme");
        assertThat(ALL.stream().filter(b -> covers(b, Topics.AUDIT_CLOUDEVENTS) && b.entry().operation() == AclOperation.READ)
                .map(b -> b.entry().principal())).containsExactly("User:msp-soc");
        assertThat(writersOf(Topics.tenantCloudEvents("acme"))).containsExactly("User:audit-service");
    }

    @Test
    void allowRulesOnlyNamedOperationsNoWildcards() {
        assertThat(ALL).allSatisfy(b -> {
            assertThat(b.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
            assertThat(b.entry().operation()).isNotIn(AclOperation.ALL, AclOperation.ANY, AclOperation.ALTER, AclOperation.ALTER_CONFIGS);
            assertThat(b.pattern().name()).isNotEqualTo("*");
            assertThat(b.pattern().resourceType()).isNotEqualTo(ResourceType.CLUSTER);
        });
    }
}
