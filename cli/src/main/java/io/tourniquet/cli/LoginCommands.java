package io.tourniquet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.devstack.ClientCredentials;
import io.tourniquet.devstack.LocalIssuer;
import io.tourniquet.devstack.StackHttp;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** ./tourniquet login | whoami | logout: the identity the other commands act as. */
final class LoginCommands {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LoginCommands() {
    }

    @Command(name = "login", mixinStandardHelpOptions = true,
            description = "Sign in with the identity provider: people with the device authorization grant (open the address shown, "
                    + "enter the code, sign in), automation with client credentials. The token is kept owner-only for the other commands.")
    static final class Login implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--issuer", paramLabel = "URL", defaultValue = "${env:TOURNIQUET_OIDC_ISSUER:-https://127.0.0.1:8090}",
                description = "the OpenID Connect issuer (default: ${DEFAULT-VALUE}, the one ./tourniquet up runs)")
        String issuer;

        @Option(names = "--client-id", paramLabel = "ID", description = "automation: sign in as this client (client credentials grant)")
        String clientId;

        @Option(names = "--client-secret-file", paramLabel = "FILE", description = "the client's secret (with --client-id)")
        Path clientSecretFile;

        @Option(names = "--cli-client-id", paramLabel = "ID", defaultValue = LocalIssuer.CLI_CLIENT,
                description = "the public client people sign in through (default: ${DEFAULT-VALUE})")
        String cliClientId;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            JsonNode discovery;
            try {
                discovery = getJson(issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration");
            } catch (IOException e) {
                spec.commandLine().getErr().println("the identity provider is not reachable at " + issuer + ": " + e + " (is ./tourniquet up running?)");
                return Cli.UNREACHABLE;
            }
            String tokenEndpoint = discovery.path("token_endpoint").asText();
            JsonNode token;
            if (clientId != null) {
                if (clientSecretFile == null) {
                    throw new IllegalArgumentException("--client-id needs --client-secret-file");
                }
                token = new ClientCredentials(tokenEndpoint, clientId, Files.readString(clientSecretFile).strip()).request();
            } else {
                token = deviceGrant(discovery, tokenEndpoint, out);
                if (token == null) {
                    return Cli.FAILED;
                }
            }
            SignIn.save(issuer, token);
            JsonNode claims = SignIn.claims(token.path("access_token").asText());
            out.printf("signed in as %s (roles %s, tenants %s) until %s; token kept in %s%n", claims.path("sub").asText(),
                    claims.path("roles"), claims.path("tenants"), Instant.ofEpochSecond(claims.path("exp").asLong()), SignIn.tokenFile());
            return Cli.OK;
        }

        /** RFC 8628: show where to sign in, then poll the token endpoint at the interval asked, until the code expires. */
        private JsonNode deviceGrant(JsonNode discovery, String tokenEndpoint, PrintWriter out) throws IOException, InterruptedException {
            String endpoint = discovery.path("device_authorization_endpoint").asText(null);
            if (endpoint == null) {
                throw new IllegalArgumentException("the identity provider offers no device authorization: use --client-id for automation");
            }
            JsonNode authorization = postForm(endpoint, "client_id=" + encode(cliClientId)).body();
            out.printf("To sign in, open %s and enter the code %s%n  (or open %s)%n", authorization.path("verification_uri").asText(),
                    authorization.path("user_code").asText(), authorization.path("verification_uri_complete").asText());
            out.flush();
            Duration interval = Duration.ofSeconds(Math.max(1, authorization.path("interval").asLong(5)));
            Instant deadline = Instant.now().plusSeconds(authorization.path("expires_in").asLong(600));
            String form = "grant_type=" + encode("urn:ietf:params:oauth:grant-type:device_code") + "&device_code="
                    + encode(authorization.path("device_code").asText()) + "&client_id=" + encode(cliClientId);
            while (Instant.now().isBefore(deadline)) {
                Reply reply = postForm(tokenEndpoint, form);
                if (reply.status() == 200) {
                    return reply.body();
                }
                String error = reply.body().path("error").asText();
                if (error.equals("slow_down")) {
                    interval = interval.plusSeconds(5);
                } else if (!error.equals("authorization_pending")) {
                    spec.commandLine().getErr().println("sign-in refused: " + error + " " + reply.body().path("error_description").asText());
                    return null;
                }
                Thread.sleep(interval.toMillis());
            }
            spec.commandLine().getErr().println("the code expired before anyone signed in: run ./tourniquet login again");
            return null;
        }
    }

    @Command(name = "whoami", mixinStandardHelpOptions = true, description = "Who the other commands act as: the signed-in token's subject, roles, tenants, expiry.")
    static final class WhoAmI implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            JsonNode claims = SignIn.claims(SignIn.bearerToken());
            PrintWriter out = spec.commandLine().getOut();
            out.printf("subject:  %s%nname:     %s%nclient:   %s%nroles:    %s%ntenants:  %s%nissuer:   %s%nexpires:  %s%n",
                    claims.path("sub").asText(), claims.path("preferred_username").asText("-"), claims.path("azp").asText("-"),
                    claims.path("roles"), claims.path("tenants"), claims.path("iss").asText(), Instant.ofEpochSecond(claims.path("exp").asLong()));
            return Cli.OK;
        }
    }

    @Command(name = "logout", mixinStandardHelpOptions = true, description = "Forget the signed-in token.")
    static final class Logout implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            boolean had = Files.deleteIfExists(SignIn.tokenFile());
            spec.commandLine().getOut().println(had ? "signed out" : "was not signed in");
            return Cli.OK;
        }
    }

    private record Reply(int status, JsonNode body) {
    }

    private static JsonNode getJson(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = StackHttp.client().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(url + " answered HTTP " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }

    private static Reply postForm(String url, String form) throws IOException, InterruptedException {
        HttpResponse<String> response = StackHttp.client().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), JSON.readTree(response.body()));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
