package io.tourniquet.policy.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.LocalIssuerResource;
import io.tourniquet.testsupport.TestTokens;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.policy.Enrol;
import io.tourniquet.policy.TestData;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.DecisionKind;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.crypto.CommandVerifier;
import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admin API against the running topology on a real broker: an approval flow end to end, and refusals. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@QuarkusTestResource(LocalIssuerResource.class)
class AdminResourceTest {

    private static final String ALICE = "alice (5f0c-alice) via tourniquet-cli";
    private static final String ADMIN_ACTOR = "msp-admin-of-all via test-client";

    private static RequestSpecification asAdmin() {
        return given().auth().oauth2(TestTokens.mspAdmin());
    }

    private static RequestSpecification as(String subject, String name, String... tenants) {
        return given().auth().oauth2(TestTokens.mint(TestTokens.person(subject, name, Roles.OPERATOR, tenants)));
    }

    private static String kafka() {
        return KafkaBrokerResource.bootstrapServers();
    }

    @org.junit.jupiter.api.BeforeEach
    void topologyRunning() {
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void aNewTenantRequiringApprovalGetsTheMitigationOnlyOnceApprovedAndTheCommandNamesTheApprover() {
        asAdmin().contentType(ContentType.JSON).body("{\"approvalRequired\": true}")
                .put("/api/v1/tenants/tenant-c/policy").then().statusCode(200).body("approvalRequired", is(true));
        Enrol.servers("tenant-c", "exch01");
        TopicRecords.sendAsAgent(kafka(), TestData.server("tenant-c", "exch01", "15.2.986.5", List.of()));
        TopicRecords.send(kafka(), Topics.MITIGATIONS, "M1.1", TestData.m11());

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> asAdmin().get("/api/v1/tenants/tenant-c/mitigations")
                .then().statusCode(200).body("decision", hasItem("decision.awaiting-approval")));
        TopicRecords.assertStaysAt(kafka(), Topics.commands("tenant-c"), 0); // through several rechecks: nothing before the approval

        // who approves is the token's subject: a body cannot name someone else
        as("5f0c-alice", "alice", "tenant-c").contentType(ContentType.JSON)
                .body("{\"by\": \"mallory\", \"reason\": \"CHG-4711 approved by CAB\", \"validFor\": \"P2D\"}")
                .post("/api/v1/tenants/tenant-c/mitigations/M1.1/approve").then().statusCode(400);
        as("5f0c-alice", "alice", "tenant-c").contentType(ContentType.JSON).body("{\"reason\": \"CHG-4711 approved by CAB\", \"validFor\": \"P2D\"}")
                .post("/api/v1/tenants/tenant-c/mitigations/M1.1/approve").then().statusCode(200).body("decidedBy", is(ALICE));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                TopicRecords.values(kafka(), Topics.commands("tenant-c"), SignedCommand.class)).singleElement().satisfies(signed -> {
                    var apply = AvroCodec.get().decode(CommandVerifier.bytes(signed.getPayload()), ApplyCommand.class);
                    assertThat(apply.getDecision().getKind()).isEqualTo(DecisionKind.APPROVED);
                    assertThat(apply.getDecision().getDecidedBy()).isEqualTo(ALICE);
                }));
        assertThat(TopicRecords.values(kafka(), Topics.AUDIT, AuditRecord.class))
                .anySatisfy(a -> {
                    assertThat(a.getType()).isEqualTo("approval.granted");
                    assertThat(a.getActor()).isEqualTo(ALICE);
                    assertThat(a.getReason()).isEqualTo("CHG-4711 approved by CAB");
                    assertThat(a.getDetails()).containsKey("expiresAt");
                })
                .anySatisfy(a -> {
                    assertThat(a.getType()).isEqualTo("policy.updated");
                    assertThat(a.getActor()).isEqualTo(ADMIN_ACTOR);
                })
                .anySatisfy(a -> {
                    assertThat(a.getType()).isEqualTo("decision.apply");
                    assertThat(a.getActor()).isEqualTo(ALICE);
                    assertThat(a.getTenantId()).isEqualTo("tenant-c");
                });
    }

    @Test
    void blockingEditsThePolicyAndNamesWhoDidIt() {
        as("bob", "bob", "tenant-d").put("/api/v1/tenants/tenant-d/blocked/EOMT1").then().statusCode(200)
                .body("blockedMitigations", hasItem("EOMT1")).body("updatedBy", is("bob via tourniquet-cli"));
        as("bob", "bob", "tenant-d").put("/api/v1/tenants/tenant-d/blocked/M2.1").then().statusCode(200)
                .body("blockedMitigations.size()", is(2));
        as("bob", "bob", "tenant-d").delete("/api/v1/tenants/tenant-d/blocked/EOMT1").then().statusCode(200)
                .body("blockedMitigations", is(List.of("M2.1")));
    }

    @Test
    void invalidInputIsRefusedWithTheReason() {
        asAdmin().contentType(ContentType.JSON)
                .body("{\"maintenanceWindows\": [{\"start\": \"22:00\", \"end\": \"04:00\", \"timeZone\": \"Mars/Olympus\"}]}")
                .put("/api/v1/tenants/tenant-e/policy").then().statusCode(400).body("error", containsString("unknown time zone"));
        asAdmin().contentType(ContentType.JSON).body("{\"mitigationsEnabled\": false, \"updatedBy\": \"mallory\"}")
                .put("/api/v1/tenants/tenant-e/policy").then().statusCode(400).body("error", containsString("updatedBy comes from your token"));
        asAdmin().contentType(ContentType.JSON).body("{\"rollout\": {\"stagePercents\": [50, 20]}}")
                .put("/api/v1/tenants/tenant-e/policy").then().statusCode(400).body("error", containsString("stagePercents"));
        asAdmin().contentType(ContentType.JSON).body("{\"mitigationsEnabld\": false}")
                .put("/api/v1/tenants/tenant-e/policy").then().statusCode(400);
        asAdmin().contentType(ContentType.JSON).body("{}")
                .put("/api/v1/tenants/Tenant_E/policy").then().statusCode(400).body("error", containsString("invalid tenant id"));
        asAdmin().contentType(ContentType.JSON).body("{}")
                .post("/api/v1/tenants/tenant-e/mitigations/M1.1/approve").then().statusCode(400).body("error", containsString("reason is required"));
        asAdmin().post("/api/v1/tenants/tenant-e/mitigations/M1.1/rollout/explode")
                .then().statusCode(400).body("error", containsString("start, pause, resume"));
    }
}
