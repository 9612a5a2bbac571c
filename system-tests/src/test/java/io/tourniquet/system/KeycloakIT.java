package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.devstack.ClientCredentials;
import io.tourniquet.devstack.EmbeddedKafkaBroker;
import io.tourniquet.devstack.ServiceProcess;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The identity provider an MSP already runs: Keycloak's own distribution, with a realm that maps its roles, groups and
 * audience into Tourniquet's claims (src/test/resources/keycloak), in front of the packaged audit service. Its tokens
 * are validated by the service through Keycloak's discovery document and keys; its roles and groups decide, as the
 * local issuer's claims do in every other test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeycloakIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path WORK = Path.of("target/keycloak-it");
    private static final String KEYCLOAK_ADMIN_PASSWORD = "kc-admin-" + System.nanoTime();

    private Process keycloak;
    private EmbeddedKafkaBroker broker;
    private ServiceProcess audit;
    private String realm;

    @BeforeAll
    void start() throws Exception {
        Path home = Path.of(System.getProperty("keycloak.home", "target/keycloak/keycloak-26.5.6"));
        assertThat(home.resolve("bin/kc.sh")).as("Keycloak's distribution, unpacked by the build (mvn verify)").exists();
        Path importDir = Files.createDirectories(home.resolve("data/import"));
        Files.copy(Path.of("src/test/resources/keycloak/tourniquet-realm.json"), importDir.resolve("tourniquet-realm.json"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.createDirectories(WORK);
        int port = EmbeddedKafkaBroker.freePort();
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev", "--import-realm",
                "--http-host=127.0.0.1", "--http-port=" + port, "--http-management-port=" + EmbeddedKafkaBroker.freePort())
                .redirectErrorStream(true).redirectOutput(WORK.resolve("keycloak.log").toFile());
        builder.environment().put("JAVA_HOME", javaForKeycloak().toString());
        builder.environment().put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
        builder.environment().put("KC_DB", "dev-mem");
        builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "kc-admin");
        builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", KEYCLOAK_ADMIN_PASSWORD);
        keycloak = builder.start();
        realm = "http://127.0.0.1:" + port + "/realms/tourniquet";
        // the broker and the audit service start while Keycloak does: the service finds its provider on the first call

        broker = EmbeddedKafkaBroker.start(Files.createTempDirectory("keycloak-it-kafka"), 0);
        try (TopicProvisioner provisioner = new TopicProvisioner(broker.adminClients(), Duration.ofMinutes(1))) {
            provisioner.ensure(Topics.central());
        }
        Path tourniquetHome = Path.of(System.getProperty("tourniquet.home", "..")).toAbsolutePath().normalize();
        audit = ServiceProcess.start("audit-service", ServiceProcess.packagedJar(tourniquetHome, "audit-service"), EmbeddedKafkaBroker.freePort(),
                Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "TOURNIQUET_OIDC_ISSUER", realm),
                Map.of("tourniquet.audit.embedded-dir", WORK.resolve("audit-db-" + System.nanoTime()).toAbsolutePath().toString()),
                WORK.resolve("logs"), "256m");
        audit.awaitReady(Duration.ofMinutes(2));
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> keycloak.isAlive() && get(realm
                + "/.well-known/openid-configuration", null) == 200 || !keycloak.isAlive());
        assertThat(keycloak.isAlive()).as("Keycloak started; its log: " + WORK.resolve("keycloak.log")).isTrue();
    }

    @AfterAll
    void stop() throws Exception {
        if (audit != null) {
            audit.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (keycloak != null) {
            keycloak.destroy();
            if (!keycloak.waitFor(30, TimeUnit.SECONDS)) {
                keycloak.destroyForcibly();
            }
        }
    }

    @Test
    void keycloaksTokensAreValidatedAndItsRolesAndGroupsDecide() throws Exception {
        String events = audit.baseUrl() + "/api/v1/events?tenant=";
        assertThat(get(events + "acme", null)).isEqualTo(401);

        // a person: alice, operator (realm role) of acme (group)
        String alice = passwordGrant("alice", "alice-password");
        assertThat(get(events + "acme", alice)).isEqualTo(200);
        assertThat(get(events + "globex", alice)).isEqualTo(403);
        assertThat(get(audit.baseUrl() + "/api/v1/reports/evidence/acme", alice)).isEqualTo(200);

        // automation: the compliance pipeline's client credentials, an auditor of every tenant (group *)
        String pipeline = new ClientCredentials(realm + "/protocol/openid-connect/token", "compliance-pipeline", "compliance-pipeline-secret").get();
        assertThat(get(audit.baseUrl() + "/api/v1/reports/evidence/globex", pipeline)).isEqualTo(200);
        assertThat(get(audit.baseUrl() + "/api/v1/reports/kev-overdue", pipeline)).isEqualTo(200);

        // a token of the same server's master realm (another issuer, another audience), signed with Keycloak's own keys
        HttpResponse<String> master = post(realm.replace("/realms/tourniquet", "/realms/master") + "/protocol/openid-connect/token",
                "grant_type=password&client_id=admin-cli&username=kc-admin&password=" + KEYCLOAK_ADMIN_PASSWORD);
        assertThat(master.statusCode()).as(master.body()).isEqualTo(200);
        assertThat(get(events + "acme", JSON.readTree(master.body()).path("access_token").asText())).isEqualTo(401);
        assertThat(get(events + "acme", alice.substring(0, alice.lastIndexOf('.')) + ".c2lnbmF0dXJl")).as("a forged signature").isEqualTo(401);
    }

    private String passwordGrant(String user, String password) throws Exception {
        HttpResponse<String> response = post(realm + "/protocol/openid-connect/token",
                "grant_type=password&client_id=tourniquet-cli&username=" + user + "&password=" + password);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).path("access_token").asText();
    }

    private static HttpResponse<String> post(String url, String form) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int get(String url, String token) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Keycloak 26 needs Java 21 or newer: $KEYCLOAK_JAVA_HOME, else the newest such JDK under /usr/lib/jvm. */
    private static Path javaForKeycloak() {
        String configured = System.getenv("KEYCLOAK_JAVA_HOME");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        if (Runtime.version().feature() >= 21) {
            return Path.of(System.getProperty("java.home"));
        }
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            Optional<Path> newest = jdks.filter(jdk -> Files.isExecutable(jdk.resolve("bin/java")) && feature(jdk) >= 21)
                    .max(Comparator.comparingInt(KeycloakIT::feature));
            return newest.orElseThrow(() -> new IllegalStateException("Keycloak needs Java 21 or newer: none under /usr/lib/jvm; "
                    + "install one or set KEYCLOAK_JAVA_HOME"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for a JDK under /usr/lib/jvm (set KEYCLOAK_JAVA_HOME)", e);
        }
    }

    private static int feature(Path jdk) {
        try {
            List<String> release = Files.readAllLines(jdk.resolve("release"));
            return release.stream().filter(l -> l.startsWith("JAVA_VERSION=")).findFirst()
                    .map(l -> Integer.parseInt(l.replaceAll("JAVA_VERSION=\"(\\d+).*", "$1"))).orElse(0);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
