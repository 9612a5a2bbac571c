package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.devstack.LocalIssuer;
import io.tourniquet.devstack.LocalStack;
import io.tourniquet.devstack.StackHttp;
import io.tourniquet.devstack.StackLogins;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * A person signing in to the running stack as ./tourniquet login has them do, over real HTTP: the CLI asks for a
 * device code, the person enters it with name and password on the issuer's sign-in page, the CLI redeems it.
 */
final class DeviceSignIn {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DeviceSignIn() {
    }

    static String token(LocalStack stack, String user) throws Exception {
        String issuer = stack.issuer().url();
        JsonNode authorization = JSON.readTree(post(issuer + "/device/authorize", "client_id=" + LocalIssuer.CLI_CLIENT).body());
        HttpResponse<String> pending = post(issuer + "/token", redeem(authorization));
        assertThat(JSON.readTree(pending.body()).path("error").asText()).isEqualTo("authorization_pending");

        HttpResponse<String> page = post(issuer + "/device", "user_code=" + encode(authorization.path("user_code").asText()) + "&username="
                + encode(user) + "&password=" + encode(StackLogins.secret(stack.options().stateDir(), user)));
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        HttpResponse<String> token = post(issuer + "/token", redeem(authorization));
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        return JSON.readTree(token.body()).path("access_token").asText();
    }

    private static String redeem(JsonNode authorization) {
        return "grant_type=" + encode("urn:ietf:params:oauth:grant-type:device_code") + "&client_id=" + LocalIssuer.CLI_CLIENT
                + "&device_code=" + encode(authorization.path("device_code").asText());
    }

    static HttpResponse<String> post(String url, String form) throws Exception {
        return StackHttp.client().send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return StackHttp.client().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
