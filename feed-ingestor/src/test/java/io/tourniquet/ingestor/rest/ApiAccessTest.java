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
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
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

    /**
     * Announced over the cap, refused from the headers: the body is never sent (over HTTP a client still sending a
     * body it was refused can see the connection closed before it reads the answer, so the test sends none).
     */
    @Test
    void aDocumentOverTheBodyCapIsRefusedBeforeItIsRead() throws Exception {
        String token = TestTokens.token(Roles.FEED_PUBLISHER, Roles.ALL_TENANTS);
        try (Socket socket = new Socket("127.0.0.1", url.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /api/v1/feeds/msp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + 3 * 1024 * 1024 + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertThat(status).startsWith("HTTP/1.1 413");
        }
    }
}
