package io.tourniquet.bench;

import io.tourniquet.devstack.Polling;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** The policy service's admin API as the bench uses it: set a tenant's policy, unblock, wait until a policy is in force. */
final class PolicyApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String baseUrl;
    private final Supplier<String> token;

    PolicyApi(String baseUrl, Supplier<String> token) {
        this.baseUrl = baseUrl;
        this.token = token;
    }

    void setPolicy(String tenant, Map<String, Object> policy) throws Exception {
        call("PUT", "/api/v1/tenants/" + tenant + "/policy", JSON.writeValueAsString(policy));
    }

    void unblock(String tenant, String mitigation) throws Exception {
        call("DELETE", "/api/v1/tenants/" + tenant + "/blocked/" + mitigation, null);
    }

    /** Waits until the policy service's state (what its decisions read) has a policy for the tenant that passes the test. */
    void awaitPolicy(String tenant, Predicate<JsonNode> test) throws Exception {
        Polling.until(Duration.ofMinutes(1), Duration.ofMillis(100), () -> {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/tenants/" + tenant + "/policy"))
                            .header("Authorization", "Bearer " + token.get()).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && test.test(JSON.readTree(response.body())) ? Optional.of(true) : Optional.empty();
        }).orElseThrow(() -> new IllegalStateException("the policy of " + tenant + " did not take effect within a minute"));
    }

    private void call(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token.get());
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
    }
}
