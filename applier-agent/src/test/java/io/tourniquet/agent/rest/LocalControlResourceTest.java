package io.tourniquet.agent.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.tourniquet.agent.config.AgentConfig;
import io.tourniquet.agent.service.LocalControlToken;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.topics.Topics;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The server admin's switches over HTTP: validated, reported to the tenant's topic in the inventory. */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, initArgs = @ResourceArg(name = KafkaBrokerResource.TENANTS_ARG, value = "tenant-a"))
class LocalControlResourceTest {

    @Inject
    AgentConfig config;

    @TestHTTPResource("/")
    URI root;

    /** A request as the server's administrator makes it: with the token only the agent's OS user can read. */
    private RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + token());
    }

    private String token() {
        try {
            return Files.readString(LocalControlToken.file(config.stateDir())).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void withoutTheTokenOrFromANonLoopbackHostNothingIsAnsweredAndTheTokenIsTheOwnersOnly() throws Exception {
        given().get("/api/v1/status").then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"))
                .body("error", containsString("local-control.token"));
        given().header("Authorization", "Bearer " + "0".repeat(64)).queryParam("by", "intruder").put("/api/v1/local/blocked/M1.1")
                .then().statusCode(401);
        given().header("Authorization", "Bearer " + token().substring(1)).get("/api/v1/local").then().statusCode(401);
        // the right token, but a page from elsewhere that a browser on the server sends here (DNS rebinding)
        admin().header("Host", "attacker.example:8083").get("/api/v1/status").then().statusCode(403).body("error", containsString("loopback"));
        admin().header("Host", "[::1]:8083").get("/api/v1/status").then().statusCode(200);
        admin().get("/api/v1/local").then().statusCode(200).body("blocked", not(hasItem("M1.1")));
        given().get("/q/health/live").then().statusCode(200);
        // the JDK's client, as ./tourniquet agent uses it, speaks HTTP/2 after an upgrade: the host travels as :authority
        var status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + root.getPort() + "/api/v1/status"))
                .header("Authorization", "Bearer " + token()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        assertThat(Files.getPosixFilePermissions(LocalControlToken.file(config.stateDir())))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(token()).hasSize(64);
    }

    @Test
    void blockingAMitigationLocallyIsKeptAndReportedInTheInventory() {
        admin().queryParam("by", "exchange-admin").put("/api/v1/local/blocked/EOMT2")
                .then().statusCode(200).body("localControl.blocked", hasItem("EOMT2")).body("localControl.updatedBy", is("exchange-admin"));
        admin().get("/api/v1/status").then().statusCode(200).body("localControl.blocked", hasItem("EOMT2"));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                TopicRecords.values(KafkaBrokerResource.bootstrapServers(), Topics.agentEvents("tenant-a"), ServerInventory.class))
                .anySatisfy(inventory -> assertThat(inventory.getBlockedMitigations()).contains("EOMT2")));

        admin().queryParam("by", "exchange-admin").delete("/api/v1/local/blocked/EOMT2")
                .then().statusCode(200).body("localControl.blocked.size()", is(0));
    }

    @Test
    void invalidRequestsAreRefusedWithTheReason() {
        admin().queryParam("by", "admin").put("/api/v1/local/blocked/-x;rm")
                .then().statusCode(400).body("error", containsString("invalid mitigation id"));
        admin().put("/api/v1/local/blocked/M1.1").then().statusCode(400).body("error", containsString("invalid admin name"));
        admin().queryParam("by", "admin").put("/api/v1/local/observe-only").then().statusCode(400).body("error", containsString("enabled"));
    }
}
