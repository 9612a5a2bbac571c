package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tourniquet.devstack.EmbeddedKafkaBroker;
import io.tourniquet.devstack.KafkaCredentials;
import io.tourniquet.devstack.LocalPki;
import io.tourniquet.devstack.LocalStack;
import io.tourniquet.devstack.TenantOnboarding;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.security.KafkaAcls;
import io.tourniquet.schemas.topics.Topics;
import io.tourniquet.devstack.ServiceProcess;
import io.tourniquet.devstack.StackHttp;
import io.tourniquet.devstack.StackLogins;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import javax.net.ssl.SSLHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The packaged services, started as ./tourniquet up starts them, on a real broker: the bundled catalog published by
 * the feed-ingestor must end as an 'applied' record in the audit service for every simulated server, for exactly
 * the mitigations that concern the servers' Exchange build. Run once per database the audit service supports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class PipelineScenario {

    private static final List<String> TENANTS = List.of("acme", "globex");
    private static final ObjectMapper JSON = new ObjectMapper();
    LocalStack stack;
    /** OWA's sign-in page as the agents' health probe finds it; once armed, it answers once more (before an apply), then only 503. */
    private HttpServer owa;
    private final AtomicBoolean owaArmed = new AtomicBoolean();
    private final AtomicInteger answeredWhileArmed = new AtomicInteger();

    /** The audit service's database settings (empty: its embedded default). */
    abstract Map<String, String> auditDatabase();

    /** After the stack has stopped. */
    void cleanUp() throws Exception {
    }

    @BeforeAll
    void start() throws Exception {
        Path home = Path.of(System.getProperty("tourniquet.home", "..")).toAbsolutePath().normalize();
        Path stateDir = Files.createTempDirectory(Path.of("target"), "stack-");
        owa = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        owa.createContext("/owa/auth/logon.aspx", exchange -> {
            exchange.sendResponseHeaders(owaArmed.get() && answeredWhileArmed.getAndIncrement() > 0 ? 503 : 200, -1);
            exchange.close();
        });
        owa.start();
        stack = LocalStack.start(new LocalStack.Options(home, stateDir, TENANTS, 2, 0, 0, 0, auditDatabase(), false).withAgentSettings(Map.of(
                "tourniquet.agent.health.probes.owa", owaProbe(), "tourniquet.agent.health.settle", "1s")));
    }

    private String owaProbe() {
        return "http://127.0.0.1:" + owa.getAddress().getPort() + "/owa/auth/logon.aspx";
    }

    @AfterAll
    void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
        if (owa != null) {
            owa.stop(0);
        }
        cleanUp();
    }

    @Test
    void everyServerEndsWithTheApplicableMitigationsAppliedInTheAuditTrail() {
        // Simulated servers run Exchange 2019 CU11 (15.2.986.5): PING1, M1.1 and M2.1 concern them; EOMT1 (ProxyLogon) does not.
        Map<String, String> expected = Map.of("PING1", "APPLIED", "M1.1", "APPLIED", "M2.1", "APPLIED");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, Map<String, Object>> byServer = stack.states().stream().collect(Collectors.groupingBy(
                    s -> s.get("tenantId") + "/" + s.get("serverId"),
                    Collectors.toMap(s -> (String) s.get("mitigationId"), s -> s.get("state"))));
            assertThat(byServer).containsOnlyKeys("acme/exch01", "acme/exch02", "globex/exch01", "globex/exch02");
            assertThat(byServer.values()).allSatisfy(states -> assertThat(states).isEqualTo(expected));
        });
        assertThat(LocalStack.settled(stack.summary(), TENANTS.size())).isTrue();
    }

    /**
     * The Kaseya VSA lesson: a foothold on the network, or one customer's agent credentials, must not command every
     * server. On the stack's broker an anonymous client cannot even connect, and acme's agent principal can neither
     * publish a mitigation nor write another tenant's commands.
     */
    @Test
    void neitherAnAnonymousClientNorATenantsAgentCanPublishAMitigationOrCommand() {
        assertThat(stack.secured()).as("./tourniquet up's broker is secured by default").isTrue();
        Map<String, Object> quick = Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        byte[] forged = "forged".getBytes(StandardCharsets.UTF_8);
        try (var anonymous = KafkaClients.plaintext(stack.bootstrapServers()).producer(quick, new StringSerializer(), new ByteArraySerializer())) {
            assertThatThrownBy(() -> anonymous.send(new ProducerRecord<>(Topics.MITIGATIONS, "M9", forged)).get())
                    .as("no TLS and SCRAM: no connection").isNotNull();
        }
        try (var agent = stack.kafkaAs(KafkaAcls.agent("acme")).producer(quick, new StringSerializer(), new ByteArraySerializer())) {
            assertThatThrownBy(() -> agent.send(new ProducerRecord<>(Topics.MITIGATIONS, "M9", forged)).get())
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> agent.send(new ProducerRecord<>(Topics.commands("globex"), "exch01", forged)).get())
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    /**
     * Onboarding gives a new tenant's agents a principal that reaches only that tenant's topics; offboarding takes it
     * away at once (a client with the old password no longer authenticates) and unenrols its agents. Each step is in
     * the audit trail with who did it.
     */
    @Test
    void aTenantOnboardedGetsItsOwnPrincipalAndOffboardingRevokesIt() throws Exception {
        String policy = stack.service("policy-service").baseUrl();
        KafkaCredentials credentials = stack.credentials().orElseThrow();
        String admin = DeviceSignIn.token(stack, StackLogins.ADMIN);
        var onboarded = TenantOnboarding.onboard(stack.administrator(), credentials, policy, "initech", admin);
        assertThat(onboarded.done()).as(onboarded.body()).isTrue();
        String password = credentials.passwords(List.of(KafkaAcls.agent("initech"))).get(KafkaAcls.agent("initech"));

        Map<String, Object> group = Map.of(ConsumerConfig.GROUP_ID_CONFIG, KafkaAcls.AGENT_GROUP_PREFIX + "initech.test",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        try (var agent = stack.kafkaAs(KafkaAcls.agent("initech")).consumer(group, new StringDeserializer(), new ByteArrayDeserializer())) {
            agent.subscribe(List.of(Topics.commands("initech")));
            agent.poll(Duration.ofSeconds(2)); // its own command topic, in its own group: allowed
            agent.unsubscribe();
            agent.subscribe(List.of(Topics.commands("acme")));
            assertThatThrownBy(() -> agent.poll(Duration.ofSeconds(5))).isInstanceOf(TopicAuthorizationException.class);
        }

        var offboarded = TenantOnboarding.offboard(stack.administrator(), credentials, policy, "initech", admin, "contract ended", false);
        assertThat(offboarded.done()).as(offboarded.body()).isTrue();
        assertThat(offboarded.revoked().aclsDeleted()).isEqualTo(KafkaAcls.tenant("initech").size());
        assertThat(offboarded.revoked().credentialsDeleted()).containsExactly(KafkaAcls.agent("initech"), KafkaAcls.soc("initech"));
        var oldCredentials = KafkaClients.of(EmbeddedKafkaBroker.scramClient(stack.bootstrapServers(),
                LocalPki.in(stack.options().stateDir().resolve("tls")), KafkaAcls.agent("initech"), password));
        try (var revoked = oldCredentials.consumer(group, new StringDeserializer(), new ByteArrayDeserializer())) {
            revoked.subscribe(List.of(Topics.commands("initech")));
            assertThatThrownBy(() -> revoked.poll(Duration.ofSeconds(5))).isInstanceOf(SaslAuthenticationException.class);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(stack.auditEvents("initech", "tenant.onboarded")).singleElement().satisfies(e -> assertThat(e.get("actor")).isEqualTo("admin via tourniquet-cli"));
            assertThat(stack.auditEvents("initech", "tenant.offboarded")).singleElement()
                    .satisfies(e -> assertThat(e.get("reason")).isEqualTo("contract ended"));
        });
    }

    /**
     * Nothing is open: the packaged services refuse calls without a token, accept the stack issuer's tokens (signed in
     * as a person through the device grant), and keep an operator of one tenant out of another's resources.
     */
    @Test
    void theApisNeedATokenFromTheIssuerAndKeepEachOperatorToItsTenant() throws Exception {
        String policy = stack.service("policy-service").baseUrl();
        String audit = stack.service("audit-service").baseUrl();
        String ingestor = stack.service("feed-ingestor").baseUrl();
        for (String url : List.of(policy + "/api/v1/tenants/acme/policy", audit + "/api/v1/summary", ingestor + "/api/v1/feeds")) {
            assertThat(DeviceSignIn.get(url, null)).as(url).isEqualTo(401);
        }
        String admin = DeviceSignIn.token(stack, StackLogins.ADMIN);
        assertThat(DeviceSignIn.get(policy + "/api/v1/tenants/globex/policy", admin)).isEqualTo(200);
        String operator = DeviceSignIn.token(stack, StackLogins.OPERATOR); // an operator of acme, the first tenant
        assertThat(DeviceSignIn.get(policy + "/api/v1/tenants/acme/policy", operator)).isEqualTo(200);
        assertThat(DeviceSignIn.get(policy + "/api/v1/tenants/globex/policy", operator)).isEqualTo(403);
        assertThat(DeviceSignIn.get(audit + "/api/v1/events?tenant=globex", operator)).isEqualTo(403);
        // a wrong password is refused, and after five the account is throttled (the auditor: the other tests sign in as the others)
        for (int i = 0; i < 5; i++) {
            assertThat(DeviceSignIn.post(stack.issuer().url() + "/device", "user_code=XXXX-XXXX&username=auditor&password=guess" + i).statusCode())
                    .isEqualTo(401);
        }
        assertThat(DeviceSignIn.post(stack.issuer().url() + "/device", "user_code=XXXX-XXXX&username=auditor&password=guess").statusCode())
                .isEqualTo(429);
    }

    /**
     * The APIs and the identity provider answer HTTPS only, with a certificate of the local CA: a client that does not
     * trust that CA is refused at the handshake, and plain HTTP gets no answer.
     */
    @Test
    void theApisAndTheIdentityProviderServeHttpsWithTheLocalCaOnly() throws Exception {
        List<String> endpoints = List.of(stack.service("policy-service").baseUrl() + "/api/v1/tenants/acme/policy",
                stack.service("audit-service").baseUrl() + "/api/v1/summary", stack.service("feed-ingestor").baseUrl() + "/api/v1/feeds",
                stack.issuer().url() + "/.well-known/openid-configuration");
        HttpClient untrusting = HttpClient.newHttpClient();
        for (String url : endpoints) {
            assertThat(url).startsWith("https://127.0.0.1:");
            assertThat(DeviceSignIn.get(url, null)).as(url).isIn(200, 401);
            assertThatThrownBy(() -> untrusting.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()))
                    .as(url).isInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> untrusting.send(HttpRequest.newBuilder(URI.create(url.replace("https://", "http://")))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding())).as(url).isInstanceOf(IOException.class);
        }
    }

    /** The local stack's services answer on loopback only: another machine on the network reaches none of their APIs. */
    @Test
    void theServicesListenOnLoopbackOnly() throws Exception {
        InetAddress external = NetworkInterface.networkInterfaces().filter(this::up).flatMap(NetworkInterface::inetAddresses)
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress()).findFirst()
                .orElseThrow(() -> new IllegalStateException("this machine has no non-loopback address to try"));
        for (ServiceProcess service : stack.services()) {
            int port = URI.create(service.baseUrl()).getPort();
            try (Socket loopback = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertThat(loopback.isConnected()).isTrue();
            }
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(external, port), 2_000);
                }
            }).as(service.name() + " on " + external + ":" + port).isInstanceOf(ConnectException.class);
        }
    }

    /**
     * The health gate end to end: the agents probe OWA's sign-in page (a local HTTP server here) before and after each
     * apply. When the canary's page stops answering once M1.1 is in, the policy halts the staged rollout naming the
     * probe, the other server is never commanded, and the canary keeps the mitigation: an agent never removes a
     * security mitigation because of a probe. Last, as it leaves acme's M1.1 rollout halted.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void aCanaryWhoseOwaStopsAnsweringAfterTheApplyHaltsTheRolloutNamingTheProbe() throws Exception {
        awaitStates("acme", "M1.1", List.of("APPLIED", "APPLIED"));
        // M1.1 is taken off acme's servers, then rolled out again in stages: the canary first, then the other server
        PolicyApi.setPolicy(stack, "acme", Map.of("blockedMitigations", List.of("M1.1")));
        awaitStates("acme", "M1.1", List.of("REMOVED", "REMOVED"));
        owaArmed.set(true);
        PolicyApi.setPolicy(stack, "acme", Map.of("rollout", Map.of("stagePercents", List.of(100))));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(rollout("acme", "M1.1").get("status")).isEqualTo("HALTED"));
        Map<String, Object> halted = rollout("acme", "M1.1");
        assertThat(halted.get("stage")).isEqualTo(0);
        assertThat((String) halted.get("detail")).contains("health regressed after applying on 1 of 1 servers up to stage 0")
                .contains("probe owa (" + owaProbe() + "): 200 before, 503 after");

        // the canary keeps M1.1 with the regression said; the other server is held by the halted rollout, never commanded
        awaitStates("acme", "M1.1", List.of("APPLIED", "HALTED")); // the audit trail follows the policy's decisions
        List<Map<String, Object>> rows = states("acme", "M1.1");
        Map<String, Object> canary = rows.stream().filter(row -> "APPLIED".equals(row.get("state"))).findFirst().orElseThrow();
        assertThat(canary.get("detail")).isEqualTo("health regressed after applying: probe owa (" + owaProbe() + "): 200 before, 503 after");
        String other = rows.stream().filter(row -> "HALTED".equals(row.get("state"))).map(row -> (String) row.get("serverId")).findFirst().orElseThrow();
        assertThat(stack.auditEvents("acme", "decision.halted")).anySatisfy(event -> {
            assertThat(event.get("serverId")).isEqualTo(other);
            assertThat(event.get("mitigationId")).isEqualTo("M1.1");
        });
    }


    private Map<String, Object> rollout(String tenant, String mitigation) throws Exception {
        HttpResponse<String> response = StackHttp.client().send(HttpRequest.newBuilder(URI.create(stack.service("policy-service").baseUrl()
                + "/api/v1/tenants/" + tenant + "/rollouts")).header("Authorization", "Bearer " + stack.accessToken()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readValue(response.body(), new TypeReference<List<Map<String, Object>>>() { }).stream()
                .filter(r -> mitigation.equals(r.get("mitigationId"))).findFirst().orElse(Map.of());
    }

    private List<Map<String, Object>> states(String tenant, String mitigation) {
        return stack.states().stream().filter(s -> tenant.equals(s.get("tenantId")) && mitigation.equals(s.get("mitigationId"))).toList();
    }

    private void awaitStates(String tenant, String mitigation, List<String> expected) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertThat(states(tenant, mitigation))
                .extracting(row -> row.get("state")).containsExactlyInAnyOrderElementsOf(expected));
    }

    private boolean up(NetworkInterface network) {
        try {
            return network.isUp();
        } catch (SocketException e) {
            return false;
        }
    }
}
