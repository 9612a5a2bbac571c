package io.tourniquet.devstack;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
     */
    public record Options(Path home, Path stateDir, List<String> tenants, int serversPerTenant, int kafkaPort, int basePort,
            double failureRate, Map<String, String> auditDatabase) {

        public static Options defaults(Path home) {
            return new Options(home, home.resolve(".tourniquet"), List.of("acme", "globex", "initech"), 3, 19092, 8081, 0, Map.of());
        }

        public List<String> servers() {
            return IntStream.rangeClosed(1, serversPerTenant).mapToObj(i -> String.format("exch%02d", i)).toList();
        }
    }

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final EmbeddedKafkaBroker broker;
    private final List<ServiceProcess> services = new ArrayList<>();

    private LocalStack(Options options, EmbeddedKafkaBroker broker) {
        this.options = options;
        this.broker = broker;
    }

    public static LocalStack start(Options options) {
        Path keys = ensurePolicyKeys(options.stateDir().resolve("keys"));
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options.stateDir().resolve("kafka"), options.kafkaPort());
        LocalStack stack = new LocalStack(options, broker);
        try {
            stack.startServices(keys);
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    private void startServices(Path keys) {
        Path home = options.home();
        Path state = options.stateDir().resolve("state");
        Path logs = options.stateDir().resolve("logs");
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "TOURNIQUET_HOME", home.toString(),
                "TOURNIQUET_STATE_DIR", state.toString());
        int port = options.basePort();

        Map<String, String> auditConfig = new HashMap<>(options.auditDatabase().isEmpty()
                ? Map.of("tourniquet.audit.embedded-dir", state.resolve("audit-db").toString()) : options.auditDatabase());
        auditConfig.put("tourniquet.audit.signing-key-file", keys.resolve("audit-signing.key").toString());
        auditConfig.put("tourniquet.audit.signing-public-key-file", keys.resolve("audit-signing.pub").toString());
        ServiceProcess audit = ServiceProcess.start("audit-service", jar("audit-service"), port(port, 3), env, auditConfig, logs, "256m");
        services.add(audit);
        ServiceProcess policy = ServiceProcess.start("policy-service", jar("policy-service"), port(port, 1), env, Map.of(
                "tourniquet.policy.signing-key-file", keys.resolve("policy-signing.key").toString(),
                "tourniquet.policy.signing-public-key-file", keys.resolve("policy-signing.pub").toString(),
                "tourniquet.policy.tenants", String.join(",", options.tenants()),
                "kafka-streams.state.dir", state.resolve("policy-streams").toString()), logs, "256m");
        services.add(policy);
        audit.awaitReady(READY_TIMEOUT);
        policy.awaitReady(READY_TIMEOUT);

        List<ServiceProcess> agents = new ArrayList<>();
        for (int i = 0; i < options.tenants().size(); i++) {
            String tenant = options.tenants().get(i);
            ServiceProcess agent = ServiceProcess.start("applier-agent-" + tenant, jar("applier-agent"), port(port, 10 + i), env, Map.of(
                    "tourniquet.agent.tenant", tenant,
                    "tourniquet.agent.servers", String.join(",", options.servers()),
                    "tourniquet.agent.policy-public-key-files", keys.resolve("policy-signing.pub").toString(),
                    "tourniquet.agent.state-dir", state.resolve("agents").resolve(tenant).toString(),
                    "tourniquet.agent.simulated.failure-rate", Double.toString(options.failureRate())), logs, "64m");
            agents.add(agent);
            services.add(agent);
        }
        agents.forEach(a -> a.awaitReady(READY_TIMEOUT));

        ServiceProcess ingestor = ServiceProcess.start("feed-ingestor", jar("feed-ingestor"), port(port, 0), env, Map.of(), logs, "192m");
        services.add(ingestor);
        ingestor.awaitReady(READY_TIMEOUT);
    }

    public Options options() {
        return options;
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
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
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        broker.close();
    }

    private Path jar(String module) {
        return ServiceProcess.packagedJar(options.home(), module);
    }

    private static int port(int base, int offset) {
        return base != 0 ? base + offset : EmbeddedKafkaBroker.freePort();
    }

    private static <T> T getJson(String url, TypeReference<T> type) {
        try {
            var response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
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

    /** The policy service's (commands) and audit service's (chain heads) signing key pairs. */
    public static Path ensurePolicyKeys(Path dir) {
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
                Files.writeString(privateKey, Ed25519Keys.toPem(pair.getPrivate()));
                try {
                    Files.setPosixFilePermissions(privateKey, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system
                }
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
