package io.tourniquet.ingestor.rest;

import static io.restassured.RestAssured.given;
import static io.tourniquet.testsupport.AccessMatrix.endpoint;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.ingestor.service.FreshFeedFolders;
import io.tourniquet.schemas.security.Roles;
import io.tourniquet.testsupport.AccessMatrix;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.LocalIssuerResource;
import io.tourniquet.testsupport.TestTokens;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who may call each endpoint of the feed-ingestor, tokens validated against a real issuer's published keys. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@QuarkusTestResource(FreshFeedFolders.class)
@QuarkusTestResource(LocalIssuerResource.class)
class ApiAccessTest {

    private static final String[] ALL = {Roles.MSP_ADMIN, Roles.OPERATOR, Roles.AUDITOR, Roles.SOC};

    @TestHTTPResource("/")
    URL url;

    private AccessMatrix matrix() {
        // pushes an unsigned document to a configured feed: refused (422), nothing published
        return new AccessMatrix(url.toString(), AccessMatrix.placeholders("feedId", "msp"), List.of(
                endpoint("GET", "/api/v1/feeds", null, ALL),
                endpoint("POST", "/api/v1/feeds/{feedId}/test", null, Roles.MSP_ADMIN),
                endpoint("POST", "/api/v1/feeds/{feedId}", "{}", Roles.MSP_ADMIN, Roles.FEED_PUBLISHER),
                endpoint("GET", "/api/v1/mitigations", null, ALL)));
    }

    @Test
    void everyEndpointHasAnAccessRule() throws Exception {
        matrix().assertCoversEveryOperation();
    }

    @Test
    void everyEndpointRefusesBadTokensAndWrongRoles() throws Exception {
        matrix().assertEnforced();
    }

    @Test
    void onePublisherPushingInALoopIsSlowedDownAndOthersAreNot() {
        String looping = TestTokens.mint(TestTokens.person("looping-publisher", "looping-publisher", Roles.FEED_PUBLISHER, Roles.ALL_TENANTS));
        for (int i = 0; i < 30; i++) {
            given().auth().oauth2(looping).body("{}").contentType("application/json").post("/api/v1/feeds/msp").then().statusCode(422);
        }
        given().auth().oauth2(looping).body("{}").contentType("application/json").post("/api/v1/feeds/msp").then().statusCode(429)
                .header("Retry-After", org.hamcrest.Matchers.notNullValue()).body("error", containsString("too many pushes"));
        given().auth().oauth2(TestTokens.token(Roles.FEED_PUBLISHER, Roles.ALL_TENANTS)).body("{}").contentType("application/json")
                .post("/api/v1/feeds/msp").then().statusCode(422);
    }

    @Test
    void aDocumentOverTheBodyCapIsRefusedBeforeItIsRead() {
        given().auth().oauth2(TestTokens.token(Roles.FEED_PUBLISHER, Roles.ALL_TENANTS)).body(new byte[3 * 1024 * 1024])
                .contentType("application/octet-stream").post("/api/v1/feeds/msp").then().statusCode(413);
    }
}
