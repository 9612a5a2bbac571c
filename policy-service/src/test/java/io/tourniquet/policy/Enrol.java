package io.tourniquet.policy;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.testsupport.TestAgents;
import io.tourniquet.testsupport.TestTokens;
import java.time.Duration;
import java.util.Map;

/** Enrols test servers through the admin API, as tourniquet agent enroll does, and waits until the topology uses the key. */
public final class Enrol {

    private Enrol() {
    }

    public static void servers(String tenant, String... servers) {
        for (String server : servers) {
            String path = "/api/v1/tenants/" + tenant + "/servers/" + server + "/enrolment";
            given().auth().oauth2(TestTokens.mspAdmin()).contentType(ContentType.JSON)
                    .body(Map.of("publicKey", Ed25519Keys.toPem(TestAgents.keys(tenant, server).getPublic())))
                    .put(path).then().statusCode(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(TestTokens.mspAdmin()).get(path).statusCode() == 200);
        }
    }
}
