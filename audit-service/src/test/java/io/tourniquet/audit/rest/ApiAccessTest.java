package io.tourniquet.audit.rest;

import static io.restassured.RestAssured.given;
import static io.tourniquet.testsupport.AccessMatrix.endpoint;
import static org.hamcrest.Matchers.containsString;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.schemas.topics.Topics;
import io.tourniquet.testsupport.TopicRecords;
import java.time.Duration;
import io.tourniquet.testsupport.AccessMatrix;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.LocalIssuerResource;
import io.tourniquet.testsupport.TestTokens;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who may read what from the audit service, tokens validated against a real issuer's published keys. */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, initArgs = @ResourceArg(name = KafkaBrokerResource.TENANTS_ARG, value = "tenant-embedded,tenant-postgres,reports-embedded,reports-postgres,forged-embedded,forged-postgres,blocked-embedded,blocked-postgres"))
@QuarkusTestResource(LocalIssuerResource.class)
class ApiAccessTest {

    private static final String[] ALL = {Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC};
    private static final String[] REPORTS = {Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR};

    @TestHTTPResource("/")
    URL url;

    private AccessMatrix matrix() {
        return new AccessMatrix(url.toString(), AccessMatrix.placeholders("cve", "CVE-2021-26855"), List.of(
                endpoint("GET", "/api/v1/state?tenant={tenant}", null, ALL),
                endpoint("GET", "/api/v1/summary", null, ALL),
                endpoint("GET", "/api/v1/servers?tenant={tenant}", null, ALL),
                endpoint("GET", "/api/v1/events?tenant={tenant}", null, ALL),
                endpoint("GET", "/api/v1/tenants/{tenant}/chain", null, REPORTS),
                endpoint("POST", "/api/v1/tenants/{tenant}/chain/verification", "{\"events\":1,\"head\":\"" + "0".repeat(64)
                        + "\",\"signedAt\":\"2026-12-01T00:00:00Z\"}", REPORTS),
                endpoint("GET", "/api/v1/reports/exposure/{cve}?tenant={tenant}", null, REPORTS),
                endpoint("GET", "/api/v1/reports/time-to-mitigate?tenant={tenant}", null, REPORTS),
                endpoint("GET", "/api/v1/reports/kev-overdue?tenant={tenant}", null, REPORTS),
                endpoint("GET", "/api/v1/reports/stuck-commands?tenant={tenant}", null, ALL),
                endpoint("GET", "/api/v1/reports/enforcement?tenant={tenant}", null, ALL),
                endpoint("GET", "/api/v1/reports/mitigations", null, ALL),
                endpoint("GET", "/api/v1/reports/evidence/{tenant}", null, REPORTS),
                endpoint("GET", "/api/v1/stream?tenant={tenant}", null, ALL)));
    }

    @Test
    void everyEndpointHasAnAccessRule() throws Exception {
        matrix().assertCoversEveryOperation();
    }

    @Test
    void everyEndpointRefusesBadTokensWrongRolesAndOtherTenants() throws Exception {
        matrix().assertEnforced();
    }

    @Test
    void aCallerOfSomeTenantsSeesOnlyThoseAndMustNameOneWhereItHasSeveral() {
        TopicRecords.send(KafkaBrokerResource.bootstrapServers(), Topics.AUDIT, "visible-a", AuditEvents.builder("policy-service",
                AuditType.DECISION_APPLY, "commanded", "policy-service").setTenantId("forged-embedded").setServerId("exch01")
                .setMitigationId("M1.1").setRevision(1).build());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(TestTokens.mspAdmin()).get("/api/v1/summary")
                .then().statusCode(200).body("$", hasKey("forged-embedded")));

        given().auth().oauth2(TestTokens.token(Roles.AUDITOR, "matrix-a")).get("/api/v1/summary")
                .then().statusCode(200).body("$", not(hasKey("forged-embedded")));
        given().auth().oauth2(TestTokens.token(Roles.AUDITOR, "matrix-a")).get("/api/v1/state")
                .then().statusCode(200).body("tenantId", not(hasItem("forged-embedded")));
        given().auth().oauth2(TestTokens.token(Roles.SOC, "matrix-a")).get("/api/v1/events")
                .then().statusCode(200).body("tenantId", not(hasItem("forged-embedded")));
        given().auth().oauth2(TestTokens.token(Roles.AUDITOR, "forged-embedded", "reports-embedded")).get("/api/v1/events")
                .then().statusCode(403).body("error", containsString("name one of your tenants"));
    }
}
