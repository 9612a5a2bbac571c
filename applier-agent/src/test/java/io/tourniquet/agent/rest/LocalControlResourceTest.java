package io.tourniquet.agent.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.TopicRecords;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.topics.Topics;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The server admin's switches over HTTP: validated, reported to the tenant's topic in the inventory. */
@QuarkusTest
@QuarkusTestResource(value = KafkaBrokerResource.class, initArgs = @ResourceArg(name = KafkaBrokerResource.TENANTS_ARG, value = "tenant-a"))
class LocalControlResourceTest {

    @Test
    void blockingAMitigationLocallyIsKeptAndReportedInTheInventory() {
        given().queryParam("by", "exchange-admin").put("/api/v1/local/blocked/EOMT2")
                .then().statusCode(200).body("localControl.blocked", hasItem("EOMT2")).body("localControl.updatedBy", is("exchange-admin"));
        given().get("/api/v1/status").then().statusCode(200).body("localControl.blocked", hasItem("EOMT2"));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                TopicRecords.values(KafkaBrokerResource.bootstrapServers(), Topics.agentEvents("tenant-a"), ServerInventory.class))
                .anySatisfy(inventory -> assertThat(inventory.getBlockedMitigations()).contains("EOMT2")));

        given().queryParam("by", "exchange-admin").delete("/api/v1/local/blocked/EOMT2")
                .then().statusCode(200).body("localControl.blocked.size()", is(0));
    }

    @Test
    void invalidRequestsAreRefusedWithTheReason() {
        given().queryParam("by", "admin").put("/api/v1/local/blocked/-x;rm")
                .then().statusCode(400).body("error", containsString("invalid mitigation id"));
        given().put("/api/v1/local/blocked/M1.1").then().statusCode(400).body("error", containsString("invalid admin name"));
        given().queryParam("by", "admin").put("/api/v1/local/observe-only").then().statusCode(400).body("error", containsString("enabled"));
    }
}
