package io.tourniquet.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.schemas.security.Roles;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local issuer's authorization code flow (the operator console's sign-in) over real HTTP: a code goes only to the
 * registered redirect address, is redeemed once, by its client, with the PKCE verifier; the ID token is the client's,
 * the access token the APIs'.
 */
class AuthorizationCodeFlowTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REDIRECT = "https://127.0.0.1:8085/callback";
    private static final String VERIFIER = "a-verifier-of-enough-length-0123456789-abcdefghijklmnop";
    private LocalIssuer issuer;

    @BeforeEach
    void start(@TempDir Path dir) {
        issuer = LocalIssuer.start(dir.resolve("issuer.key"), 0,
                List.of(new LocalIssuer.Account("olivia", "pw", List.of(Roles.OPERATOR), List.of("acme"))), List.of(),
                List.of(new LocalIssuer.WebClient("console", "console-secret", REDIRECT)), null);
    }

    @AfterEach
    void stop() {
        issuer.close();
    }

    @Test
    void aPersonSignsInAndTheClientGetsItsIdTokenAndTheApisAccessToken() throws Exception {
        JsonNode discovery = JSON.readTree(get(issuer.url() + "/.well-known/openid-configuration").body());
        assertThat(discovery.path("authorization_endpoint").asText()).isEqualTo(issuer.url() + "/authorize");
        assertThat(discovery.path("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");

        HttpResponse<String> form = get(issuer.url() + "/authorize?" + request(REDIRECT, challenge(VERIFIER)));
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("form-action 'self' https://127.0.0.1:8085");
        String code = signIn(REDIRECT, "pw");

        HttpResponse<String> tokens = redeem(code, "console-secret", REDIRECT, VERIFIER);
        assertThat(tokens.statusCode()).as(tokens.body()).isEqualTo(200);
        JwtClaims id = verify(JSON.readTree(tokens.body()).path("id_token").asText(), "console");
        assertThat(id.getClaimValue("nonce")).isEqualTo("n-0S6_WzA2Mj");
        assertThat(id.getStringListClaimValue(Roles.ROLES_CLAIM)).containsExactly(Roles.OPERATOR);
        assertThat(id.getStringListClaimValue(Roles.TENANTS_CLAIM)).containsExactly("acme");
        JwtClaims access = verify(JSON.readTree(tokens.body()).path("access_token").asText(), Roles.AUDIENCE);
        assertThat(access.getSubject()).isEqualTo("olivia");
        assertThat(access.getClaimValue("azp")).isEqualTo("console");

        assertThat(redeem(code, "console-secret", REDIRECT, VERIFIER).statusCode()).as("a code is redeemed once").isEqualTo(400);
    }

    @Test
    void aCodeWithoutItsVerifierOrClientSecretGetsNoToken() throws Exception {
        String code = signIn(REDIRECT, "pw");
        HttpResponse<String> wrongVerifier = redeem(code, "console-secret", REDIRECT, VERIFIER + "x");
        assertThat(wrongVerifier.statusCode()).isEqualTo(400);
        assertThat(wrongVerifier.body()).contains("PKCE");
        assertThat(redeem(signIn(REDIRECT, "pw"), "guess", REDIRECT, VERIFIER).statusCode()).isEqualTo(401);
    }

    @Test
    void noCodeGoesToAnUnregisteredAddressNorToAWrongPassword() throws Exception {
        HttpResponse<String> elsewhere = get(issuer.url() + "/authorize?" + request("https://attacker.example/callback", challenge(VERIFIER)));
        assertThat(elsewhere.statusCode()).isEqualTo(400);
        assertThat(elsewhere.headers().firstValue("Location")).isEmpty();
        HttpResponse<String> withoutPkce = get(issuer.url() + "/authorize?" + request(REDIRECT, "").replace("&code_challenge_method=S256", ""));
        assertThat(withoutPkce.statusCode()).isEqualTo(400);
        assertThat(withoutPkce.body()).contains("PKCE");
        HttpResponse<String> wrong = post(issuer.url() + "/authorize", request(REDIRECT, challenge(VERIFIER)) + "&username=olivia&password=nope");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("Location")).isEmpty();
    }

    private String signIn(String redirect, String password) throws Exception {
        HttpResponse<String> signedIn = post(issuer.url() + "/authorize", request(redirect, challenge(VERIFIER)) + "&username=olivia&password=" + password);
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(302);
        URI back = URI.create(signedIn.headers().firstValue("Location").orElseThrow());
        assertThat(back.toString()).startsWith(redirect + "?code=").endsWith("&state=st-1");
        return back.getRawQuery().replaceAll("^code=([^&]*)&.*$", "$1");
    }

    private HttpResponse<String> redeem(String code, String secret, String redirect, String verifier) throws Exception {
        String basic = Base64.getEncoder().encodeToString(("console:" + secret).getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(URI.create(issuer.tokenEndpoint())).header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&code="
                        + code + "&redirect_uri=" + encode(redirect) + "&code_verifier=" + encode(verifier))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JwtClaims verify(String token, String audience) throws Exception {
        var keys = new JsonWebKeySet(get(issuer.url() + "/jwks").body());
        return new JwtConsumerBuilder().setExpectedIssuer(issuer.url()).setExpectedAudience(audience).setRequireExpirationTime()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(keys.getJsonWebKeys())).build().processToClaims(token);
    }

    private static String request(String redirect, String challenge) {
        return "response_type=code&client_id=console&redirect_uri=" + encode(redirect) + "&state=st-1&nonce=n-0S6_WzA2Mj&code_challenge="
                + challenge + "&code_challenge_method=S256";
    }

    private static String challenge(String verifier) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String url, String form) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
