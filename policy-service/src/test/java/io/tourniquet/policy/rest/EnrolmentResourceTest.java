package io.tourniquet.policy.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.topics.Topics;
import io.restassured.specification.RequestSpecification;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.testsupport.TestTokens;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
class EnrolmentResourceTest {

    private static final String PATH = "/api/v1/tenants/tenant-e/servers/exch01/enrolment";

    private static String kafka() {
        return KafkaBrokerResource.bootstrapServers();
    }

    @BeforeEach
    void topologyRunning() {
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    private static ValidatableResponse enrol(KeyPair keys, String by, Boolean replace) {
        var body = new HashMap<String, Object>(Map.of("publicKey", Ed25519Keys.toPem(keys.getPublic())));
        if (replace != null) {
            body.put("replace", replace);
        }
        return as(by).contentType(ContentType.JSON).body(body).put(PATH).then();
    }

    /** An MSP administrator signed in through the command line. */
    private static RequestSpecification as(String admin) {
        return given().auth().oauth2(TestTokens.mint(TestTokens.person(admin, admin, Roles.MSP_ADMIN, Roles.ALL_TENANTS)));
    }

    @Test
    void enrollingRegistersTheKeyOnceAndReplacingItIsAnExplicitRecordedAct() {
        as("carol").get(PATH).then().statusCode(404).body("error", containsString("not enrolled"));
        KeyPair first = Ed25519Keys.generate();
        KeyPair second = Ed25519Keys.generate();
        String firstId = Ed25519Keys.keyId(first.getPublic());
        String secondId = Ed25519Keys.keyId(second.getPublic());

        enrol(first, "alice", null).statusCode(200).body("keyId", is(firstId)).body("enrolledBy", is("alice via tourniquet-cli"));
        enrol(first, "alice", null).statusCode(200).body("keyId", is(firstId)); // the same key again changes nothing
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> as("carol").get(PATH).then().statusCode(200).body("keyId", is(firstId)));

        // someone enrolling another key for the same server does not silently take it over
        enrol(second, "mallory", null).statusCode(409).body("error", containsString("replace=true"));
        as("carol").get(PATH).then().body("keyId", is(firstId));
        enrol(second, "bob", true).statusCode(200).body("keyId", is(secondId));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(TopicRecords.values(kafka(), Topics.AUDIT, AuditRecord.class)).filteredOn(a -> a.getType().equals("agent.enrolled")
                    && "tenant-e".equals(a.getTenantId())).extracting(AuditRecord::getOutcome, AuditRecord::getActor)
                    .containsExactly(tuple("enrolled", "alice via tourniquet-cli"), tuple("re-enrolled", "bob via tourniquet-cli"));
            assertThat(TopicRecords.values(kafka(), Topics.AUDIT, AuditRecord.class)).filteredOn(a -> a.getOutcome().equals("re-enrolled"))
                    .singleElement().satisfies(a -> assertThat(a.getDetails()).containsEntry("replacedKeyId", firstId).containsEntry("keyId", secondId));
            assertThat(TopicRecords.values(kafka(), Topics.AGENT_ENROLMENTS, AgentEnrolment.class))
                    .filteredOn(e -> e.getTenantId().equals("tenant-e")).extracting(AgentEnrolment::getKeyId).containsExactly(firstId, secondId);
        });
    }

    @Test
    void aKeyThatIsNotAnEd25519PublicKeyOrABadServerNameIsRefusedWithTheReason() {
        as("alice").contentType(ContentType.JSON).body(Map.of("publicKey", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
                .put("/api/v1/tenants/tenant-e/servers/exch02/enrolment").then().statusCode(400).body("error", containsString("Ed25519"));
        as("alice").contentType(ContentType.JSON).body(Map.of("publicKey", Ed25519Keys.toPem(Ed25519Keys.generate().getPublic())))
                .put("/api/v1/tenants/tenant-e/servers/exch02;rm/enrolment").then().statusCode(400);
        as("alice").get("/api/v1/tenants/tenant-e/servers/exch02/enrolment").then().statusCode(404);
    }
}
