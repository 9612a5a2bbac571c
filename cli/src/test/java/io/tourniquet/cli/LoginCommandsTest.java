package io.tourniquet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.devstack.LocalIssuer;
import io.tourniquet.schemas.security.Roles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./tourniquet login and whoami against a real OpenID Connect issuer (the local stack's), over real HTTP. */
class LoginCommandsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private LocalIssuer issuer;

    @BeforeEach
    void startIssuer(@TempDir Path home) {
        System.setProperty("tourniquet.home", home.toString());
        issuer = LocalIssuer.start(home.resolve("issuer.key"), 0,
                List.of(new LocalIssuer.Account("dana", "correct horse", List.of(Roles.OPERATOR), List.of("acme"))),
                List.of(new LocalIssuer.Account("compliance-pipeline", "s3cret", List.of(Roles.AUDITOR), List.of(Roles.ALL_TENANTS))));
    }

    @AfterEach
    void stopIssuer() {
        issuer.close();
        System.clearProperty("tourniquet.home");
    }

    private int run(String... args) {
        var commandLine = Cli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void automationSignsInWithClientCredentialsAndTheTokenIsKeptOwnerOnly(@TempDir Path dir) throws Exception {
        assertThat(run("whoami")).isEqualTo(2);
        assertThat(err.toString()).contains("not signed in: run ./tourniquet login");

        Path secret = Files.writeString(dir.resolve("secret"), "s3cret\n");
        assertThat(run("login", "--issuer", issuer.url(), "--client-id", "compliance-pipeline", "--client-secret-file", secret.toString()))
                .as(err.toString()).isZero();
        assertThat(Files.getPosixFilePermissions(SignIn.tokenFile()))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(run("whoami")).isZero();
        assertThat(out.toString()).contains("subject:  compliance-pipeline").contains("roles:    [\"auditor\"]").contains("tenants:  [\"*\"]")
                .contains("issuer:   " + issuer.url());

        Files.writeString(secret, "wrong");
        assertThat(run("login", "--issuer", issuer.url(), "--client-id", "compliance-pipeline", "--client-secret-file", secret.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("refused client compliance-pipeline: HTTP 401");

        assertThat(run("logout")).isZero();
        assertThat(SignIn.tokenFile()).doesNotExist();
    }

    @Test
    void aPersonSignsInWithTheDeviceGrantOnTheIssuersPage() throws Exception {
        CompletableFuture<Integer> login = CompletableFuture.supplyAsync(() -> run("login", "--issuer", issuer.url()));
        Matcher code = Pattern.compile("enter the code (\\S+)").matcher("");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!code.reset(out.toString()).find() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(code.reset(out.toString()).find()).as(out.toString()).isTrue();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(issuer.url() + "/device"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("user_code=" + code.group(1) + "&username=dana&password=guess")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        HttpResponse<String> signedIn = http.send(HttpRequest.newBuilder(URI.create(issuer.url() + "/device"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("user_code=" + code.group(1) + "&username=dana&password=correct+horse")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(signedIn.body()).contains("Signed in as dana");

        assertThat(login.get(20, TimeUnit.SECONDS)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("signed in as dana");
        assertThat(run("whoami")).isZero();
        assertThat(out.toString()).contains("client:   " + LocalIssuer.CLI_CLIENT).contains("tenants:  [\"acme\"]");
    }
}
