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
import io.tourniquet.testsupport.KafkaBrokerResource;
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
class AdminResourceTest {

    private static String kafka() {
        return KafkaBrokerResource.bootstrapServers();
    }

    @org.junit.jupiter.api.BeforeEach
    void topologyRunning() {
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void aNewTenantRequiringApprovalGetsTheMitigationOnlyOnceApprovedAndTheCommandNamesTheApprover() {
        given().contentType(ContentType.JSON).body("{\"approvalRequired\": true, \"updatedBy\": \"msp-admin\"}")
                .put("/api/v1/tenants/tenant-c/policy").then().statusCode(200).body("approvalRequired", is(true));
        Enrol.servers("tenant-c", "exch01");
        TopicRecords.sendAsAgent(kafka(), TestData.server("tenant-c", "exch01", "15.2.986.5", List.of()));
        TopicRecords.send(kafka(), Topics.MITIGATIONS, "M1.1", TestData.m11());

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/v1/tenants/tenant-c/mitigations")
                .then().statusCode(200).body("decision", hasItem("decision.awaiting-approval")));
        TopicRecords.assertStaysAt(kafka(), Topics.commands("tenant-c"), 0); // through several rechecks: nothing before the approval

        given().contentType(ContentType.JSON).body("{\"by\": \"alice\", \"reason\": \"CHG-4711 approved by CAB\", \"validFor\": \"P2D\"}")
                .post("/api/v1/tenants/tenant-c/mitigations/M1.1/approve").then().statusCode(200).body("decidedBy", is("alice"));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                TopicRecords.values(kafka(), Topics.commands("tenant-c"), SignedCommand.class)).singleElement().satisfies(signed -> {
                    var apply = AvroCodec.get().decode(CommandVerifier.bytes(signed.getPayload()), ApplyCommand.class);
                    assertThat(apply.getDecision().getKind()).isEqualTo(DecisionKind.APPROVED);
                    assertThat(apply.getDecision().getDecidedBy()).isEqualTo("alice");
                }));
        assertThat(TopicRecords.values(kafka(), Topics.AUDIT, AuditRecord.class))
                .anySatisfy(a -> {
                    assertThat(a.getType()).isEqualTo("approval.granted");
                    assertThat(a.getActor()).isEqualTo("alice");
                    assertThat(a.getReason()).isEqualTo("CHG-4711 approved by CAB");
                    assertThat(a.getDetails()).containsKey("expiresAt");
                })
                .anySatisfy(a -> {
                    assertThat(a.getType()).isEqualTo("policy.updated");
                    assertThat(a.getActor()).isEqualTo("msp-admin");
                })
                .anySatisfy(a -> {
                    assertThat(a.getType()).isEqualTo("decision.apply");
                    assertThat(a.getActor()).isEqualTo("alice");
                    assertThat(a.getTenantId()).isEqualTo("tenant-c");
                });
    }

    @Test
    void blockingEditsThePolicyAndNamesWhoDidIt() {
        given().queryParam("by", "bob").put("/api/v1/tenants/tenant-d/blocked/EOMT1").then().statusCode(200)
                .body("blockedMitigations", hasItem("EOMT1")).body("updatedBy", is("bob"));
        given().queryParam("by", "bob").put("/api/v1/tenants/tenant-d/blocked/M2.1").then().statusCode(200)
                .body("blockedMitigations.size()", is(2));
        given().queryParam("by", "bob").delete("/api/v1/tenants/tenant-d/blocked/EOMT1").then().statusCode(200)
                .body("blockedMitigations", is(List.of("M2.1")));
    }

    @Test
    void invalidInputIsRefusedWithTheReason() {
        given().contentType(ContentType.JSON)
                .body("{\"updatedBy\": \"x\", \"maintenanceWindows\": [{\"start\": \"22:00\", \"end\": \"04:00\", \"timeZone\": \"Mars/Olympus\"}]}")
                .put("/api/v1/tenants/tenant-e/policy").then().statusCode(400).body("error", containsString("unknown time zone"));
        given().contentType(ContentType.JSON).body("{\"mitigationsEnabled\": false}")
                .put("/api/v1/tenants/tenant-e/policy").then().statusCode(400).body("error", containsString("'by'"));
        given().contentType(ContentType.JSON).body("{\"updatedBy\": \"x\", \"rollout\": {\"stagePercents\": [50, 20]}}")
                .put("/api/v1/tenants/tenant-e/policy").then().statusCode(400).body("error", containsString("stagePercents"));
        given().contentType(ContentType.JSON).body("{\"updatedBy\": \"x\", \"mitigationsEnabld\": false}")
                .put("/api/v1/tenants/tenant-e/policy").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"updatedBy\": \"x\"}")
                .put("/api/v1/tenants/Tenant_E/policy").then().statusCode(400).body("error", containsString("invalid tenant id"));
        given().contentType(ContentType.JSON).body("{\"by\": \"alice\"}")
                .post("/api/v1/tenants/tenant-e/mitigations/M1.1/approve").then().statusCode(400).body("error", containsString("reason is required"));
        given().queryParam("by", "alice").post("/api/v1/tenants/tenant-e/mitigations/M1.1/rollout/explode")
                .then().statusCode(400).body("error", containsString("start, pause, resume"));
    }
}
