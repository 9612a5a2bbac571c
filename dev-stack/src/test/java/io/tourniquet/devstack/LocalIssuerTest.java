package io.tourniquet.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.schemas.security.Roles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local issuer over real HTTP, as any OpenID Connect client sees it. */
class LocalIssuerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private LocalIssuer issuer;
    private Path keyFile;

    @BeforeEach
    void start(@TempDir Path dir) {
        keyFile = dir.resolve("issuer.key");
        issuer = LocalIssuer.start(keyFile, 0, List.of(new LocalIssuer.Account("erin", "pw", List.of(Roles.AUDITOR), List.of("acme"))),
                List.of(new LocalIssuer.Account("pipeline", "s3cret", List.of(Roles.AUDITOR), List.of(Roles.ALL_TENANTS))));
    }

    @AfterEach
    void stop() {
        issuer.close();
    }

    private static HttpResponse<String> post(String url, String form) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode get(String url) throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void aClientsTokenVerifiesAgainstThePublishedKeysWithItsRolesAndTenants() throws Exception {
        JsonNode discovery = get(issuer.url() + "/.well-known/openid-configuration");
        assertThat(discovery.path("issuer").asText()).isEqualTo(issuer.url());
        HttpResponse<String> response = post(discovery.path("token_endpoint").asText(),
                "grant_type=client_credentials&client_id=pipeline&client_secret=s3cret");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

        var keys = new JsonWebKeySet(get(discovery.path("jwks_uri").asText()).toString());
        var claims = new JwtConsumerBuilder().setExpectedIssuer(issuer.url()).setExpectedAudience(Roles.AUDIENCE).setRequireExpirationTime()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(keys.getJsonWebKeys())).build()
                .processToClaims(JSON.readTree(response.body()).path("access_token").asText());
        assertThat(claims.getSubject()).isEqualTo("pipeline");
        assertThat(claims.getStringListClaimValue(Roles.ROLES_CLAIM)).containsExactly(Roles.AUDITOR);
        assertThat(claims.getStringListClaimValue(Roles.TENANTS_CLAIM)).containsExactly(Roles.ALL_TENANTS);
    }

    @Test
    void theSigningKeySurvivesARestartSoIssuedTokensStayValid() throws Exception {
        String before = get(issuer.url() + "/jwks").toString();
        issuer.close();
        issuer = LocalIssuer.start(keyFile, 0, List.of(), List.of());
        assertThat(get(issuer.url() + "/jwks").toString()).isEqualTo(before).doesNotContain("\"d\"");
    }

    @Test
    void guessingASecretIsThrottledAfterFiveFailures() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(post(issuer.tokenEndpoint(), "grant_type=client_credentials&client_id=pipeline&client_secret=guess" + i).statusCode())
                    .isEqualTo(401);
        }
        HttpResponse<String> throttled = post(issuer.tokenEndpoint(), "grant_type=client_credentials&client_id=pipeline&client_secret=s3cret");
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void aDeviceCodeIsRedeemedOnceAfterThePersonSignedInAndUnknownGrantsAreRefused() throws Exception {
        JsonNode authorization = JSON.readTree(post(issuer.url() + "/device/authorize", "client_id=" + LocalIssuer.CLI_CLIENT).body());
        String redeem = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id=" + LocalIssuer.CLI_CLIENT
                + "&device_code=" + authorization.path("device_code").asText();
        assertThat(JSON.readTree(post(issuer.tokenEndpoint(), redeem).body()).path("error").asText()).isEqualTo("authorization_pending");
        assertThat(post(issuer.url() + "/device", "user_code=" + authorization.path("user_code").asText() + "&username=erin&password=pw").body())
                .contains("Signed in as erin");
        assertThat(post(issuer.tokenEndpoint(), redeem).statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(post(issuer.tokenEndpoint(), redeem).body()).path("error").asText()).isEqualTo("invalid_grant");
        assertThat(JSON.readTree(post(issuer.tokenEndpoint(), "grant_type=password&client_id=pipeline&username=erin&password=pw").body())
                .path("error").asText()).isEqualTo("unsupported_grant_type");
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(issuer.url() + "/device?user_code=%3Cscript%3E")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.body()).doesNotContain("<script>").contains("&lt;script&gt;");
    }
}
