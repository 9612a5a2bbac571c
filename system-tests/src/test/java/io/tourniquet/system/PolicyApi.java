package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.devstack.LocalStack;
import io.tourniquet.devstack.StackHttp;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** The policy service's API as the stack's own automation client calls it, for the end-to-end tests. */
final class PolicyApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PolicyApi() {
    }

    /** Replaces the tenant's policy (PUT), which must be accepted. */
    static void setPolicy(LocalStack stack, String tenant, Map<String, Object> policy) throws Exception {
        HttpResponse<String> response = StackHttp.client().send(HttpRequest.newBuilder(URI.create(stack.service("policy-service").baseUrl()
                        + "/api/v1/tenants/" + tenant + "/policy")).header("Authorization", "Bearer " + stack.accessToken())
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(policy))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
}
