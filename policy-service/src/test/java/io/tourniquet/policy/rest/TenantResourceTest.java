package io.tourniquet.policy.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.tourniquet.policy.Enrol;
import io.tourniquet.policy.kubernetes.KubernetesApiResource;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.topics.Topics;
import io.tourniquet.testsupport.TestTokens;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@QuarkusTestResource(KubernetesApiResource.class)
class TenantResourceTest {

    private static String kafka() {
        return KafkaBrokerResource.bootstrapServers();
    }

    @BeforeEach
    void topologyRunning() {
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void onboardingMakesTheTopicsAndOffboardingUnenrolsTheAgentsAndSwitchesTheTenantOffEachRecorded() {
        given().auth().oauth2(TestTokens.mspAdmin()).contentType(ContentType.JSON).body(Map.of("kafkaAccess", Map.of("principals", List.of("agent-tenant-f", "soc-tenant-f"))))
                .post("/api/v1/tenants/tenant-f/onboarding").then().statusCode(200).body("topics", hasItem(Topics.commands("tenant-f")));
        // in Kubernetes: the tenant's Strimzi KafkaUsers, made through the API server
        assertThat(KubernetesApiResource.api().kafkaUsers()).filteredOn(u -> "tenant-f".equals(u.getMetadata().getLabels().get("tourniquet.io/tenant")))
                .extracting(u -> u.getMetadata().getName()).containsExactlyInAnyOrder("agent-tenant-f", "soc-tenant-f");
        Enrol.servers("tenant-f", "exch01", "exch02");

        given().auth().oauth2(TestTokens.mspAdmin()).contentType(ContentType.JSON).body(Map.of("kafkaAccess", Map.of("principals", List.of()))).post("/api/v1/tenants/tenant-f/offboarding")
                .then().statusCode(400).body("error", containsString("reason"));
        given().auth().oauth2(TestTokens.mspAdmin()).contentType(ContentType.JSON).body(Map.of("reason", "contract ended",
                        "kafkaAccess", Map.of("principals", List.of("agent-tenant-f", "soc-tenant-f"), "aclsDeleted", 7, "topicsDeleted", List.of())))
                .post("/api/v1/tenants/tenant-f/offboarding").then().statusCode(200)
                .body("agentsUnenrolled", hasItem("exch01")).body("agentsUnenrolled", hasItem("exch02"));
        assertThat(KubernetesApiResource.api().kafkaUsers()).noneMatch(u -> "tenant-f".equals(u.getMetadata().getLabels().get("tourniquet.io/tenant")));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            given().auth().oauth2(TestTokens.mspAdmin()).get("/api/v1/tenants/tenant-f/servers/exch01/enrolment").then().statusCode(404);
            given().auth().oauth2(TestTokens.mspAdmin()).get("/api/v1/tenants/tenant-f/servers/exch02/enrolment").then().statusCode(404);
        });
        given().auth().oauth2(TestTokens.mspAdmin()).get("/api/v1/tenants/tenant-f/policy").then().statusCode(200).body("mitigationsEnabled", is(false));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TopicRecords.values(kafka(), Topics.AUDIT, AuditRecord.class))
                .filteredOn(a -> "tenant-f".equals(a.getTenantId()) && a.getType().startsWith("tenant."))
                .extracting(AuditRecord::getType, AuditRecord::getActor)
                .containsExactly(tuple("tenant.onboarded", "msp-admin-of-all via test-client"),
                        tuple("tenant.offboarded", "msp-admin-of-all via test-client")));
        assertThat(TopicRecords.values(kafka(), Topics.AUDIT, AuditRecord.class)).filteredOn(a -> a.getType().equals("tenant.offboarded")
                && "tenant-f".equals(a.getTenantId())).singleElement().satisfies(a -> assertThat(a.getDetails())
                .containsEntry("agentsUnenrolled", "exch01,exch02").containsEntry("principalsRevoked", "agent-tenant-f,soc-tenant-f")
                .containsEntry("aclsDeleted", "7").containsEntry("kafkaUsersDeleted", "msp: agent-tenant-f,soc-tenant-f"));
        assertThat(TopicRecords.values(kafka(), Topics.AUDIT, AuditRecord.class)).filteredOn(a -> a.getType().equals("tenant.onboarded")
                && "tenant-f".equals(a.getTenantId())).singleElement().satisfies(a -> assertThat(a.getDetails())
                .containsEntry("principals", "agent-tenant-f,soc-tenant-f").containsEntry("kafkaUsers", "msp: agent-tenant-f,soc-tenant-f"));
    }
}
