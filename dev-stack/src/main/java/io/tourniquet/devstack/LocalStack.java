package io.tourniquet.devstack;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.security.KafkaAcls;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The whole pipeline on one machine: the embedded broker in this JVM, the four packaged services and a simulated
 * fleet (one agent process per tenant, several servers each) as child processes. ./tourniquet up and the
 * end-to-end tests start it the same way.
 */
public final class LocalStack implements AutoCloseable {

    /**
     * What to start. Port 0 means any free port.
     *
     * @param auditDatabase the audit service's database settings; empty: its embedded database under the state directory
     * @param plaintextKafka no TLS, no authentication, no ACLs on the broker (an explicit choice; the default is secured)
     * @param agentSettings  more settings of every agent (e.g. health probes), over the stack's own
     * @param shareClassData the service JVMs share their loaded classes through archives under the state directory
     *                       ({@link ClassDataArchives}; ./tourniquet up, not tests: each test stack is new)
     */
    public record Options(Path home, Path stateDir, List<String> tenants, int serversPerTenant, int kafkaPort, int basePort,
            double failureRate, Map<String, String> auditDatabase, boolean plaintextKafka, Map<String, String> agentSettings,
            boolean shareClassData) {

        public Options(Path home, Path stateDir, List<String> tenants, int serversPerTenant, int kafkaPort, int basePort,
                double failureRate, Map<String, String> auditDatabase, boolean plaintextKafka) {
            this(home, stateDir, tenants, serversPerTenant, kafkaPort, basePort, failureRate, auditDatabase, plaintextKafka, Map.of(), false);
        }

        public static Options defaults(Path home) {
            return new Options(home, home.resolve(".tourniquet"), List.of("acme", "globex", "initech"), 3, 19092, 8081, 0, Map.of(), false);
        }

        public Options withAgentSettings(Map<String, String> settings) {
            return new Options(home, stateDir, tenants, serversPerTenant, kafkaPort, basePort, failureRate, auditDatabase, plaintextKafka, settings,
                    shareClassData);
        }

        public Options withSharedClassData() {
            return new Options(home, stateDir, tenants, serversPerTenant, kafkaPort, basePort, failureRate, auditDatabase, plaintextKafka,
                    agentSettings, true);
        }

        public List<String> servers() {
            return IntStream.rangeClosed(1, serversPerTenant).mapToObj(i -> String.format("exch%02d", i)).toList();
        }
    }

    /** The issuer's port from the base port (8090 by default: the services' default issuer). */
    static final int ISSUER_PORT_OFFSET = 9;
    /** The operator console's port from the base port (8085 by default). */
    static final int CONSOLE_PORT_OFFSET = 4;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    /** The broker administrator's client settings in the credentials directory ({@code <name>.properties}). */
    public static final String KAFKA_ADMIN_CONFIG = "kafka-admin";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final EmbeddedKafkaBroker broker;
    /** Empty when the broker is plaintext. */
    private final Optional<KafkaCredentials> credentials;
    private final List<ServiceProcess> services = new ArrayList<>();
    /** The OpenID Connect issuer every service validates tokens against, and the stack's own token from it. */
    private LocalIssuer issuer;
    private ClientCredentials stackToken;
    private final int consolePort;
    private final Optional<ClassDataArchives> classData;

    private LocalStack(Options options, EmbeddedKafkaBroker broker, Optional<KafkaCredentials> credentials) {
        this.options = options;
        this.classData = options.shareClassData() ? Optional.of(new ClassDataArchives(options.stateDir().resolve("class-data")))
                : Optional.empty();
        this.broker = broker;
        this.credentials = credentials;
        this.consolePort = port(options.basePort(), CONSOLE_PORT_OFFSET);
    }

    public static LocalStack start(Options options) {
        Path keys = ensureSigningKeys(options.stateDir().resolve("keys"));
        Path kafkaDir = options.stateDir().resolve("kafka");
        LocalStack stack;
        // the local CA: the broker's TLS, and the HTTPS of the services and the identity provider, which every client here verifies
        LocalPki pki = LocalPki.in(options.stateDir().resolve("tls"));
        StackHttp.trust(pki.caCertificate());
        if (options.plaintextKafka()) {
            stack = new LocalStack(options, EmbeddedKafkaBroker.start(kafkaDir, options.kafkaPort()), Optional.empty());
        } else {
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startSecured(kafkaDir, options.kafkaPort(), pki);
            stack = new LocalStack(options, broker, Optional.of(new KafkaCredentials(options.stateDir().resolve("credentials"), pki,
                    broker.bootstrapServers())));
        }
        try {
            stack.secureBroker();
            stack.issuer = StackLogins.startIssuer(options.stateDir(), port(options.basePort(), ISSUER_PORT_OFFSET), options.tenants(),
                    pki.servicesTls(), stack.consoleUrl());
            stack.stackToken = StackLogins.client(options.stateDir(), stack.issuer, StackLogins.STACK_CLIENT);
            stack.startServices(keys, stack.httpsConfig(pki));
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    /**
     * On the secured broker: every principal of the ACL table (services, each tenant's agents and SOC, the MSP's SOC)
     * gets its credentials and exactly the table's ACLs, and the administrator makes every topic, so that no service
     * needs to create what it does not own.
     */
    private void secureBroker() {
        if (credentials.isEmpty()) {
            return;
        }
        List<String> principals = new ArrayList<>(List.of(KafkaAcls.FEED_INGESTOR, KafkaAcls.POLICY_SERVICE, KafkaAcls.AUDIT_SERVICE,
                KafkaAcls.MSP_SOC));
        options.tenants().forEach(t -> principals.addAll(List.of(KafkaAcls.agent(t), KafkaAcls.soc(t))));
        broker.upsertUsers(credentials.get().passwords(principals));
        // the administrator's own client settings, owner-only, for ./tourniquet tenant onboard|offboard
        credentials.get().clientConfig(KAFKA_ADMIN_CONFIG, broker.adminSettings());
        broker.allow(KafkaAcls.all(options.tenants()));
        List<TopicSpec> topics = new ArrayList<>(Topics.central());
        options.tenants().forEach(t -> {
            topics.addAll(Topics.tenant(t));
            topics.add(Topics.tenantCloudEventsSpec(t));
        });
        try (TopicProvisioner provisioner = new TopicProvisioner(broker.adminClients(), Duration.ofSeconds(60))) {
            provisioner.ensure(topics);
        }
    }

    /** The service's own Kafka identity (a config file it is started with), or nothing on a plaintext broker. */
    private Map<String, String> kafkaIdentity(String principal) {
        return credentials.map(c -> Map.of("quarkus.config.locations", c.clientConfig(principal).toAbsolutePath().toString()))
                .orElse(Map.of());
    }

    /** An API service's configuration files: its Kafka identity and its HTTPS settings. */
    private Map<String, String> apiService(String principal, Path httpsConfig) {
        String locations = credentials.map(c -> c.clientConfig(principal).toAbsolutePath() + ",").orElse("") + httpsConfig.toAbsolutePath();
        return Map.of("quarkus.config.locations", locations);
    }

    /**
     * The HTTPS settings of the API services, owner-only (a store password is never on a command line): the local
     * CA's certificate for 127.0.0.1, and trust in that CA for the identity provider's HTTPS.
     */
    private Path httpsConfig(LocalPki pki) {
        return ownerOnlyConfig("https.properties", "# HTTPS of the local stack's API services (owner-only)",
                "quarkus.http.ssl.certificate.key-store-file=" + pki.servicesKeystore().toAbsolutePath(),
                "quarkus.http.ssl.certificate.key-store-password=" + pki.password(),
                "quarkus.tls.local-ca.trust-store.p12.path=" + pki.truststore().toAbsolutePath(),
                "quarkus.tls.local-ca.trust-store.p12.password=" + pki.password(),
                "quarkus.oidc.tls.tls-configuration-name=local-ca");
    }

    /**
     * The console's settings, owner-only: its client secret at the issuer, and the APIs it calls with each person's
     * token (over HTTPS with the local CA).
     */
    private Path consoleConfig(ServiceProcess policy, ServiceProcess audit) {
        return ownerOnlyConfig("console.properties", "# the operator console of the local stack (owner-only)",
                "quarkus.oidc.credentials.secret=" + StackLogins.secret(options.stateDir(), StackLogins.CONSOLE_CLIENT),
                "quarkus.rest-client.policy-api.url=" + policy.baseUrl(),
                "quarkus.rest-client.audit-api.url=" + audit.baseUrl(),
                "quarkus.rest-client.policy-api.tls-configuration-name=local-ca",
                "quarkus.rest-client.audit-api.tls-configuration-name=local-ca");
    }

    /** A configuration file of the credentials directory, readable by its owner only (secrets never go on a command line). */
    private Path ownerOnlyConfig(String name, String... lines) {
        Path file = options.stateDir().resolve("credentials").resolve(name);
        try {
            OwnerOnlyFiles.write(file, String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** Where people sign in to the operator console. */
    public String consoleUrl() {
        return "https://127.0.0.1:" + consolePort;
    }

    private static Map<String, String> with(Map<String, String> properties, Map<String, String> more) {
        Map<String, String> all = new HashMap<>(properties);
        all.putAll(more);
        return all;
    }

    private void startServices(Path keys, Path https) {
        Path home = options.home();
        Path state = options.stateDir().resolve("state");
        Path logs = options.stateDir().resolve("logs");
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "TOURNIQUET_HOME", home.toString(),
                "TOURNIQUET_STATE_DIR", state.toString(), "TOURNIQUET_OIDC_ISSUER", issuer.url());
        int port = options.basePort();

        Map<String, String> auditConfig = new HashMap<>(options.auditDatabase().isEmpty()
                ? Map.of("tourniquet.audit.embedded-dir", state.resolve("audit-db").toString()) : options.auditDatabase());
        auditConfig.put("tourniquet.audit.signing-key-file", keys.resolve("audit-signing.key").toString());
        auditConfig.put("tourniquet.audit.signing-public-key-file", keys.resolve("audit-signing.pub").toString());
        auditConfig.putAll(apiService(KafkaAcls.AUDIT_SERVICE, https));
        ServiceProcess audit = start("audit-service", "audit-service", port(port, 3), env, auditConfig, logs, "256m", true);
        services.add(audit);
        ServiceProcess policy = start("policy-service", "policy-service", port(port, 1), env, with(Map.of(
                "tourniquet.policy.signing-key-file", keys.resolve("policy-signing.key").toString(),
                "tourniquet.policy.signing-public-key-file", keys.resolve("policy-signing.pub").toString(),
                "tourniquet.policy.tenants", String.join(",", options.tenants()),
                "kafka-streams.state.dir", state.resolve("policy-streams").toString()), apiService(KafkaAcls.POLICY_SERVICE, https)), logs, "256m", true);
        services.add(policy);
        // the ingestor needs only the broker: it starts beside them (what it publishes waits in Kafka for the policy)
        ServiceProcess ingestor = start("feed-ingestor", "feed-ingestor", port(port, 0), env, with(Map.of(
                "tourniquet.ingestor.publisher-key-file", keys.resolve("feed-publisher.key").toString(),
                "tourniquet.ingestor.publisher-public-key-file", keys.resolve("feed-publisher.pub").toString()),
                apiService(KafkaAcls.FEED_INGESTOR, https)), logs, "192m", true);
        services.add(ingestor);
        audit.awaitReady(READY_TIMEOUT);
        policy.awaitReady(READY_TIMEOUT);
        // the console needs no enrolment: it starts while the policy service takes the simulated servers' keys
        ServiceProcess console = start("console", "console", consolePort, env,
                Map.of("quarkus.config.locations", https.toAbsolutePath() + "," + consoleConfig(policy, audit).toAbsolutePath()), logs, "128m", true);
        services.add(console);
        enrolAgents(policy.baseUrl(), state);

        List<ServiceProcess> agents = new ArrayList<>();
        for (int i = 0; i < options.tenants().size(); i++) {
            String tenant = options.tenants().get(i);
            ServiceProcess agent = start("applier-agent-" + tenant, "applier-agent", port(port, 10 + i), env, with(with(Map.of(
                    "tourniquet.agent.tenant", tenant,
                    "tourniquet.agent.servers", String.join(",", options.servers()),
                    "tourniquet.agent.policy-public-key-files", keys.resolve("policy-signing.pub").toString(),
                    "tourniquet.agent.publisher-public-key-files", keys.resolve("feed-publisher.pub").toString(),
                    "tourniquet.agent.state-dir", state.resolve("agents").resolve(tenant).toString(),
                    "tourniquet.agent.simulated.failure-rate", Double.toString(options.failureRate())), kafkaIdentity(KafkaAcls.agent(tenant))),
                    options.agentSettings()),
                    logs, "64m", false);
            agents.add(agent);
            services.add(agent);
        }
        agents.forEach(a -> a.awaitReady(READY_TIMEOUT));
        console.awaitReady(READY_TIMEOUT);
        ingestor.awaitReady(READY_TIMEOUT);
    }

    /**
     * Each simulated server gets its own agent key and is enrolled with the policy service before its agent starts,
     * as tourniquet agent enroll does on a real server: the policy and audit services refuse events of a server that
     * is not enrolled.
     */
    private void enrolAgents(String policyUrl, Path state) {
        // registered side by side (each a request to the policy service), then checked in force one by one
        ExecutorService registrations = Executors.newFixedThreadPool(4);
        try {
            String token = stackToken.get();
            Map<String, Future<AgentEnrolmentClient.Result>> registered = new LinkedHashMap<>();
            for (String tenant : options.tenants()) {
                for (String server : options.servers()) {
                    registered.put(tenant + "/" + server, registrations.submit(() -> AgentEnrolmentClient.register(policyUrl, tenant, server,
                            state.resolve("agents").resolve(tenant), token, true)));
                }
            }
            for (var entry : registered.entrySet()) {
                String[] names = entry.getKey().split("/");
                AgentEnrolmentClient.Result registration = entry.getValue().get();
                var result = registration.status() == 200
                        ? AgentEnrolmentClient.awaitInForce(policyUrl, names[0], names[1], registration.keyId(), token, READY_TIMEOUT) : registration;
                if (!result.enrolled()) {
                    throw new IllegalStateException("cannot enrol " + entry.getKey() + ": HTTP " + result.status() + " " + result.body());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot enrol the simulated servers with the policy service at " + policyUrl, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot enrol the simulated servers with the policy service at " + policyUrl + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while enrolling the simulated servers", e);
        } finally {
            registrations.shutdownNow();
        }
    }

    public Options options() {
        return options;
    }

    /** The OpenID Connect issuer the services trust (its discovery document is at /.well-known/openid-configuration). */
    public LocalIssuer issuer() {
        return issuer;
    }

    /** A token of the stack's own automation client (msp-admin of every tenant), renewed as it expires. */
    public String accessToken() {
        return stackToken.get();
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** Whether the broker runs with TLS, SCRAM and ACLs. */
    public boolean secured() {
        return credentials.isPresent();
    }

    /** Kafka clients authenticating as one of the stack's principals (a service's, a tenant's agents', a SOC's). */
    public KafkaClients kafkaAs(String principal) {
        KafkaCredentials c = credentials.orElseThrow(() -> new IllegalStateException("the broker is plaintext: no principals"));
        Path pki = options.stateDir().resolve("tls");
        return KafkaClients.of(EmbeddedKafkaBroker.scramClient(broker.bootstrapServers(), LocalPki.in(pki), principal,
                c.passwords(List.of(principal)).get(principal)));
    }

    /** The broker administrator's clients (for tenant onboarding; tests). */
    public KafkaClients administrator() {
        return broker.adminClients();
    }

    /** Where the principals' passwords and client settings are kept (empty on a plaintext broker). */
    public Optional<KafkaCredentials> credentials() {
        return credentials;
    }

    /** The audit trail's events of a tenant of one type, oldest first. */
    public List<Map<String, Object>> auditEvents(String tenant, String type) {
        return getJson(service("audit-service").baseUrl() + "/api/v1/events?tenant=" + tenant + "&type=" + type, new TypeReference<>() { });
    }

    public List<ServiceProcess> services() {
        return List.copyOf(services);
    }

    public ServiceProcess service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service " + name));
    }

    /** Per tenant, how many (server, mitigation) pairs are in each state, as the audit service reports it. */
    public Map<String, Map<String, Long>> summary() {
        return getJson(service("audit-service").baseUrl() + "/api/v1/summary", new TypeReference<>() { });
    }

    /** The audit service's current state rows. */
    public List<Map<String, Object>> states() {
        return getJson(service("audit-service").baseUrl() + "/api/v1/state", new TypeReference<>() { });
    }

    /** Resident memory of this JVM (the broker and launcher) and of each service, in kB. */
    public Map<String, Long> rssKb() {
        Map<String, Long> rss = new LinkedHashMap<>();
        rss.put("launcher+kafka", Rss.ofPid(ProcessHandle.current().pid()));
        services.forEach(s -> rss.put(s.name(), s.rssKb()));
        return rss;
    }

    @Override
    public void close() {
        ServiceProcess.stopAll(services);
        if (issuer != null) {
            issuer.close();
        }
        broker.close();
    }

    private Path jar(String module) {
        return ServiceProcess.packagedJar(options.home(), module);
    }

    /** A service of the stack, its JVM sharing class data with the module's archive where the stack keeps them. */
    private ServiceProcess start(String name, String module, int port, Map<String, String> env, Map<String, String> properties, Path logs,
            String maxHeap, boolean https) {
        List<String> jvmOptions = classData.map(archives -> archives.jvmOptions(module, jar(module))).orElse(List.of());
        return ServiceProcess.start(name, jar(module), port, env, properties, logs, maxHeap, JvmTuning.SMALL, https, jvmOptions);
    }

    private static int port(int base, int offset) {
        return base != 0 ? base + offset : EmbeddedKafkaBroker.freePort();
    }

    private <T> T getJson(String url, TypeReference<T> type) {
        try {
            var response = StackHttp.client().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                            .header("Authorization", "Bearer " + accessToken()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readValue(response.body(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The signing key pairs: the feed publisher's (definitions), the policy service's (commands) and the audit
     * service's (chain heads). Three keys, so that no one of them alone can command a server.
     */
    public static Path ensureSigningKeys(Path dir) {
        ensureKeyPair(dir, "feed-publisher");
        ensureKeyPair(dir, "audit-signing");
        return ensureKeyPair(dir, "policy-signing");
    }

    /** A signing key pair, made on first use; the private key is readable by its owner only. */
    private static Path ensureKeyPair(Path dir, String name) {
        Path privateKey = dir.resolve(name + ".key");
        Path publicKey = dir.resolve(name + ".pub");
        try {
            Files.createDirectories(dir);
            if (!Files.exists(privateKey) || !Files.exists(publicKey)) {
                var pair = Ed25519Keys.generate();
                OwnerOnlyFiles.write(privateKey, Ed25519Keys.toPem(pair.getPrivate()));
                Files.writeString(publicKey, Ed25519Keys.toPem(pair.getPublic()));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + name + " keys in " + dir, e);
        }
    }

    /** Whether every server has reported on every mitigation decided for it (nothing still commanded). */
    public static boolean settled(Map<String, Map<String, Long>> summary, int expectedTenants) {
        return summary.size() >= expectedTenants && summary.values().stream().allMatch(states ->
                states.getOrDefault("COMMANDED", 0L) == 0 && states.getOrDefault("REMOVAL_COMMANDED", 0L) == 0
                        && states.values().stream().mapToLong(Long::longValue).sum() > 0);
    }

    public static String describe(Map<String, Map<String, Long>> summary) {
        return summary.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue().entrySet().stream()
                .map(s -> s.getKey().toLowerCase() + " " + s.getValue()).collect(Collectors.joining(", ")))
                .collect(Collectors.joining(" | "));
    }
}
