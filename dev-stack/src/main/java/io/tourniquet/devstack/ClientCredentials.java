package io.tourniquet.devstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * An access token for automation, from any OpenID Connect provider's token endpoint (OAuth 2.0 client credentials
 * grant, client_secret_basic), kept until a minute before it expires.
 */
public final class ClientCredentials implements Supplier<String> {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String tokenEndpoint;
    private final String clientId;
    private final String secret;
    private String token;
    private Instant renewAt = Instant.MIN;

    public ClientCredentials(String tokenEndpoint, String clientId, String secret) {
        this.tokenEndpoint = tokenEndpoint;
        this.clientId = clientId;
        this.secret = secret;
    }

    /** The current token, fetched again when it is about to expire. */
    @Override
    public synchronized String get() {
        if (token == null || Instant.now().isAfter(renewAt)) {
            JsonNode reply = request();
            token = reply.path("access_token").asText();
            renewAt = Instant.now().plusSeconds(Math.max(0, reply.path("expires_in").asLong(300) - 60));
        }
        return token;
    }

    /** The token endpoint's full answer (access_token, expires_in...), or why it refused. */
    public JsonNode request() {
        String basic = Base64.getEncoder().encodeToString((encode(clientId) + ":" + encode(secret)).getBytes(StandardCharsets.UTF_8));
        try {
            HttpResponse<String> response = StackHttp.client().send(HttpRequest.newBuilder(URI.create(tokenEndpoint)).timeout(Duration.ofSeconds(15))
                    .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the token endpoint " + tokenEndpoint + " refused client " + clientId + ": HTTP "
                        + response.statusCode() + " " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the token endpoint " + tokenEndpoint, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
