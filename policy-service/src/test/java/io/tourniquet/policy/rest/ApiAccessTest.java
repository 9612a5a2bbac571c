package io.tourniquet.policy.rest;

import static io.restassured.RestAssured.given;
import static io.tourniquet.testsupport.AccessMatrix.endpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.schemas.topics.Topics;
import io.tourniquet.testsupport.TestTokens;
import io.tourniquet.testsupport.TopicRecords;
import java.time.Duration;
import io.tourniquet.testsupport.AccessMatrix;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.LocalIssuerResource;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Who may call each endpoint of the policy API, tokens validated against a real issuer's published keys. Allowed
 * calls are made so that they change nothing (a body with an unknown field, an invalid mitigation id or action).
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@QuarkusTestResource(LocalIssuerResource.class)
class ApiAccessTest {

    private static final String[] READ = {Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR};
    private static final String[] WRITE = {Roles.MSP_ADMIN, Roles.OPERATOR};
    private static final String NOTHING = "{\"unexpected\": true}";

    @TestHTTPResource("/")
    URL url;

    private AccessMatrix matrix() {
        return new AccessMatrix(url.toString(), AccessMatrix.placeholders("mitigation", "bad$id", "server", "exch01", "action", "remove"), List.of(
                endpoint("GET", "/api/v1/tenants/{tenant}/policy", null, READ),
                endpoint("PUT", "/api/v1/tenants/{tenant}/policy", NOTHING, WRITE),
                endpoint("PUT", "/api/v1/tenants/{tenant}/blocked/{mitigation}", null, WRITE),
                endpoint("DELETE", "/api/v1/tenants/{tenant}/blocked/{mitigation}", null, WRITE),
                endpoint("POST", "/api/v1/tenants/{tenant}/mitigations/{mitigation}/approve", NOTHING, WRITE),
                endpoint("POST", "/api/v1/tenants/{tenant}/mitigations/{mitigation}/reject", NOTHING, WRITE),
                endpoint("POST", "/api/v1/tenants/{tenant}/servers/{server}/mitigations/{mitigation}/{action}", NOTHING, WRITE),
                endpoint("POST", "/api/v1/tenants/{tenant}/mitigations/{mitigation}/rollout/{action}", null, WRITE),
                endpoint("GET", "/api/v1/tenants/{tenant}/rollouts", null, READ),
                endpoint("GET", "/api/v1/tenants/{tenant}/mitigations", null, READ),
                endpoint("PUT", "/api/v1/mitigations/{mitigation}/kill-switch", NOTHING, Roles.MSP_ADMIN),
                endpoint("DELETE", "/api/v1/mitigations/{mitigation}/kill-switch", null, Roles.MSP_ADMIN),
                endpoint("GET", "/api/v1/tenants/{tenant}/servers/{server}/enrolment", null, READ),
                endpoint("PUT", "/api/v1/tenants/{tenant}/servers/{server}/enrolment", NOTHING, Roles.MSP_ADMIN),
                endpoint("POST", "/api/v1/tenants/{tenant}/onboarding", NOTHING, Roles.MSP_ADMIN),
                endpoint("POST", "/api/v1/tenants/{tenant}/offboarding", NOTHING, Roles.MSP_ADMIN)));
    }

    /** Who tried what on whose tenant is evidence: the refusal is in the audit trail, in the tenant's chain. */
    @Test
    void aRefusedCallIsRecordedInTheAuditTrailWithWhoWhatAndWhen() {
        var intruder = TestTokens.mint(TestTokens.person("intruder-7", "intruder-7", Roles.OPERATOR, "matrix-b"));
        given().auth().oauth2(intruder).get("/api/v1/tenants/matrix-a/policy").then().statusCode(403);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                TopicRecords.values(KafkaBrokerResource.bootstrapServers(), Topics.AUDIT, AuditRecord.class))
                .filteredOn(a -> a.getType().equals(AuditType.API_REFUSED.wireName()) && "intruder-7".equals(a.getActor())).singleElement()
                .satisfies(a -> {
                    assertThat(a.getTenantId()).isEqualTo("matrix-a");
                    assertThat(a.getReason()).startsWith("403 GET /api/v1/tenants/matrix-a/policy from ");
                    assertThat(a.getOccurredAt()).isNotNull();
                }));
    }

    /** Headers that are not even tokens: 401, never a server error. */
    @Test
    void aMalformedBearerTokenIsRefusedWith401() {
        for (String header : new String[] {"Bearer ", "Bearer .", "Bearer a.", "Bearer a..b", "Bearer a.b.c.d", "Bearer x y", "Bearer \u00e9t\u00e9"}) {
            given().header("Authorization", header).get("/api/v1/tenants/matrix-a/policy").then().statusCode(401);
        }
    }

    @Test
    void everyEndpointHasAnAccessRule() throws Exception {
        matrix().assertCoversEveryOperation();
    }

    @Test
    void everyEndpointRefusesBadTokensWrongRolesAndOtherTenants() throws Exception {
        matrix().assertEnforced();
    }
}
