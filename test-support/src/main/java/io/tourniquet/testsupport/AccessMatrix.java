package io.tourniquet.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.devstack.LocalIssuer;
import io.tourniquet.schemas.security.Roles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every endpoint of a service against every kind of caller, over real HTTP with tokens the service validates through
 * the issuer's published keys: no token, expired, wrong issuer, wrong audience, badly signed (401); each role on the
 * endpoint's tenant (allowed, or 403); each allowed role of another tenant (403). The service's OpenAPI document
 * says which endpoints exist, so an endpoint added without a row here fails the test.
 */
public final class AccessMatrix {

    /** Tenant placeholders are filled with {@link #TENANT}; callers of {@link #OTHER_TENANT} must be refused on it. */
    public static final String TENANT = "matrix-a";
    public static final String OTHER_TENANT = "matrix-b";

    /** One operation: method, path as the OpenAPI document names it (placeholders in braces, optional query), body, roles allowed. */
    public record Endpoint(String method, String path, String body, Set<String> allowed) {

        String template() {
            int query = path.indexOf('?');
            return method + " " + (query < 0 ? path : path.substring(0, query));
        }

        boolean tenantScoped() {
            return path.contains("{tenant}");
        }
    }

    public static Endpoint endpoint(String method, String path, String body, String... allowed) {
        return new Endpoint(method, path, body, Set.of(allowed));
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private final String baseUrl;
    private final Map<String, String> placeholders;
    private final List<Endpoint> endpoints;
    private final List<String> failures = new ArrayList<>();

    /** placeholders: values for the path parameters other than {tenant}, chosen so that an allowed call changes nothing. */
    public AccessMatrix(String baseUrl, Map<String, String> placeholders, List<Endpoint> endpoints) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.placeholders = placeholders;
        this.endpoints = endpoints;
    }

    /** The rows name exactly the operations of the service's OpenAPI document (outside /q). */
    public void assertCoversEveryOperation() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/q/openapi?format=json")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("the OpenAPI document is served").isEqualTo(200);
        Set<String> operations = new TreeSet<>();
        JsonNode paths = new ObjectMapper().readTree(response.body()).path("paths");
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            path.getValue().fieldNames().forEachRemaining(method -> operations.add(method.toUpperCase() + " " + path.getKey()));
        }
        Set<String> rows = new TreeSet<>();
        endpoints.forEach(e -> rows.add(e.template()));
        assertThat(rows).as("every endpoint of the service has a row in the access matrix").isEqualTo(operations);
    }

    /** Runs every caller against every endpoint and fails with the full list of what was not as specified. */
    public void assertEnforced() throws IOException, InterruptedException {
        for (Endpoint endpoint : endpoints) {
            LocalIssuer.TokenClaims admin = TestTokens.claims(Roles.MSP_ADMIN, Roles.ALL_TENANTS);
            expect(endpoint, "no token", null, 401);
            expect(endpoint, "an expired token", TestTokens.expired(admin), 401);
            expect(endpoint, "a token of another issuer", TestTokens.wrongIssuer(admin), 401);
            expect(endpoint, "a token for another audience", TestTokens.wrongAudience(admin), 401);
            expect(endpoint, "a badly signed token", TestTokens.badlySigned(admin), 401);
            for (String role : Roles.ALL) {
                String tenants = role.equals(Roles.MSP_ADMIN) || role.equals(Roles.FEED_PUBLISHER) ? Roles.ALL_TENANTS : TENANT;
                String caller = role + " of " + tenants;
                if (endpoint.allowed().contains(role)) {
                    expectAllowed(endpoint, caller, TestTokens.token(role, tenants));
                } else {
                    expect(endpoint, caller, TestTokens.token(role, tenants), 403);
                }
                if (endpoint.allowed().contains(role) && endpoint.tenantScoped()) {
                    expect(endpoint, role + " of " + OTHER_TENANT, TestTokens.token(role, OTHER_TENANT), 403);
                }
            }
        }
        assertThat(failures).as("callers answered otherwise than the access rules say").isEmpty();
    }

    private void expect(Endpoint endpoint, String caller, String token, int expected) throws IOException, InterruptedException {
        int status = call(endpoint, token);
        if (status != expected) {
            failures.add(endpoint.template() + " with " + caller + ": expected " + expected + ", got " + status);
        }
    }

    private void expectAllowed(Endpoint endpoint, String caller, String token) throws IOException, InterruptedException {
        int status = call(endpoint, token);
        if (status == 401 || status == 403) {
            failures.add(endpoint.template() + " with " + caller + ": expected to be allowed, got " + status);
        }
    }

    private int call(Endpoint endpoint, String token) throws IOException, InterruptedException {
        String path = endpoint.path().replace("{tenant}", TENANT);
        for (Map.Entry<String, String> placeholder : placeholders.entrySet()) {
            path = path.replace("{" + placeholder.getKey() + "}", placeholder.getValue());
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .method(endpoint.method(), endpoint.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(endpoint.body()));
        if (endpoint.body() != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        // the body is not read: a live stream would never end
        HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        response.body().close();
        return response.statusCode();
    }

    /** Placeholders in the order given. */
    public static Map<String, String> placeholders(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
