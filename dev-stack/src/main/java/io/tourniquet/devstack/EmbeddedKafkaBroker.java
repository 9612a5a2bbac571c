package io.tourniquet.devstack;

import io.tourniquet.schemas.kafka.KafkaClients;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real, single-node Apache Kafka broker (KRaft, combined broker + controller) running in this JVM, built from
 * Kafka's own artifacts. Used when no bootstrap servers are configured: by ./tourniquet up and by the tests.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String MUTUAL_TLS_LISTENER = "MTLS";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private static final String SCRAM = "SCRAM-SHA-512";
    /** The broker's own administrator (super user): creates topics, users and ACLs; never given to a service. */
    public static final String ADMIN_USER = "admin";

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path dataDir;
    private final Map<String, Object> adminSettings;
    private final KafkaClients adminClients;
    /** The listener that authenticates clients by their certificate (secured mode only). */
    private final String mutualTlsBootstrapServers;

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers, String mutualTlsBootstrapServers, Path dataDir,
            Map<String, Object> adminSettings) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.mutualTlsBootstrapServers = mutualTlsBootstrapServers;
        this.dataDir = dataDir;
        this.adminSettings = Map.copyOf(adminSettings);
        this.adminClients = KafkaClients.of(adminSettings);
    }

    /** How the client listener is secured: plaintext, or TLS (the local PKI) with SCRAM and the standard authorizer. */
    private record Security(LocalPki pki, String adminPassword) {
        static final Security NONE = new Security(null, null);
        /** Principal of a client certificate of the local CA: its CN (as Strimzi's KafkaUser with tls authentication). */
        static final String CERTIFICATE_PRINCIPAL_RULE = "RULE:^CN=([a-z0-9][a-z0-9-]*)," + LocalPki.ORGANISATION_RDN + "$/$1/,DEFAULT";

        boolean secured() {
            return pki != null;
        }
    }

    /**
     * Starts a plaintext broker keeping its data in {@code dataDir} (formatted on first use, reused afterwards).
     *
     * @param port the client port; 0 picks a free one
     */
    public static EmbeddedKafkaBroker start(Path dataDir, int port) {
        return start(dataDir, port, Security.NONE);
    }

    /**
     * Starts a broker whose client listener is TLS (the local PKI's certificate) with SCRAM-SHA-512 authentication and
     * the standard authorizer: nothing is allowed that no ACL allows. Its administrator's password is made on first
     * use and kept in {@code dataDir/admin-password} (owner-only); the controller listener takes only the broker's own
     * certificate (mutual TLS).
     */
    public static EmbeddedKafkaBroker startSecured(Path dataDir, int port, LocalPki pki) {
        return start(dataDir, port, new Security(pki, adminPassword(dataDir)));
    }

    /** One node of a local KRaft cluster (broker and controller): its id and ports; the controller ports make the static quorum. */
    public record Node(int id, int clientPort, int controllerPort, int mutualTlsPort) {

        /** Nodes 1..size on free ports. */
        public static List<Node> cluster(int size) {
            List<Node> nodes = new ArrayList<>();
            for (int id = 1; id <= size; id++) {
                nodes.add(new Node(id, freePort(), freePort(), freePort()));
            }
            return nodes;
        }

        /** "id:client:controller:mtls", as {@link #parse(String)} reads it. */
        @Override
        public String toString() {
            return id + ":" + clientPort + ":" + controllerPort + ":" + mutualTlsPort;
        }

        public static Node parse(String text) {
            String[] p = text.split(":");
            return new Node(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]));
        }
    }

    /**
     * Starts one node of a secured multi-node cluster (each node in its process of its own; the nodes must be started
     * together, as a node is ready only once the quorum has formed). Its data is in {@code clusterDir/node-<id>}; the
     * administrator's password, shared by the nodes, in {@code clusterDir/admin-password}. Internal and new topics get
     * replication factor 3 (the cluster's size if smaller) and {@code min.insync.replicas=2}, as on Strimzi.
     *
     * @param clusterId the cluster's id, the same for every node (used when a node's storage is formatted)
     */
    public static EmbeddedKafkaBroker startSecuredNode(Path clusterDir, Node self, List<Node> cluster, String clusterId, LocalPki pki) {
        return start(clusterDir.resolve("node-" + self.id()), self, cluster, clusterId, new Security(pki, adminPassword(clusterDir)));
    }

    private static EmbeddedKafkaBroker start(Path dataDir, int port, Security security) {
        Node self = new Node(1, port == 0 ? freePort() : port, freePort(), security.secured() ? freePort() : 0);
        return start(dataDir, self, List.of(self), Uuid.randomUuid().toString(), security);
    }

    private static EmbeddedKafkaBroker start(Path dataDir, Node self, List<Node> cluster, String clusterId, Security security) {
        Path logDir = dataDir.toAbsolutePath().resolve("kraft-logs");
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka data directory " + logDir, e);
        }
        Properties props = brokerProperties(logDir, self, cluster, security);
        KafkaConfig config = KafkaConfig.fromProps(props, false);
        formatIfNew(logDir, self.id(), clusterId, security);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        String bootstrap = "127.0.0.1:" + self.clientPort();
        Map<String, Object> admin = security.secured()
                ? scramClient(bootstrap, security.pki(), ADMIN_USER, security.adminPassword())
                : Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, bootstrap, security.secured() ? "127.0.0.1:" + self.mutualTlsPort() : null,
                dataDir, admin);
        try {
            broker.awaitReady();
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    /** The settings of a client that authenticates as {@code user} over TLS, trusting the local PKI's CA. */
    public static Map<String, Object> scramClient(String bootstrapServers, LocalPki pki, String user, String password) {
        return Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL",
                SaslConfigs.SASL_MECHANISM, SCRAM,
                SaslConfigs.SASL_JAAS_CONFIG, jaas(user, password),
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, pki.truststore().toString(),
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12",
                SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, pki.password());
    }

    /** The settings of a client that authenticates by its certificate (mutual TLS), made by the local PKI for the principal. */
    public static Map<String, Object> certificateClient(String bootstrapServers, LocalPki pki, String principal) {
        return Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL",
                SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, pki.clientKeystore(principal).toString(),
                SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12",
                SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, pki.password(),
                SslConfigs.SSL_KEY_PASSWORD_CONFIG, pki.password(),
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, pki.truststore().toString(),
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12",
                SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, pki.password());
    }

    /** The mutual-TLS listener (clients authenticated by certificate); empty on a plaintext broker. */
    public Optional<String> mutualTlsBootstrapServers() {
        return Optional.ofNullable(mutualTlsBootstrapServers);
    }

    /** Clients as the broker's administrator (plaintext for a plaintext broker). */
    public KafkaClients adminClients() {
        return adminClients;
    }

    /** The administrator's client settings, for a tool in another process (the bench's fleet simulator). */
    public Map<String, Object> adminSettings() {
        return adminSettings;
    }

    /** Creates or updates SCRAM-SHA-512 credentials for each user (name to password). */
    public void upsertUsers(Map<String, String> passwords) {
        upsertUsers(adminClients, passwords);
    }

    /** Adds the ACLs (adding one that exists changes nothing). */
    public void allow(Collection<AclBinding> acls) {
        allow(adminClients, acls);
    }

    /** As {@link #upsertUsers(Map)}, on a broker of another process, through its administrator's clients. */
    public static void upsertUsers(KafkaClients administrator, Map<String, String> passwords) {
        List<UserScramCredentialAlteration> alterations = new ArrayList<>();
        passwords.forEach((user, password) -> alterations.add(
                new UserScramCredentialUpsertion(user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)));
        try (Admin admin = administrator.admin(Map.of())) {
            admin.alterUserScramCredentials(alterations).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the Kafka users " + passwords.keySet() + ": " + e.getMessage(), e);
        }
    }

    /** As {@link #allow(Collection)}, on a broker of another process, through its administrator's clients. */
    public static void allow(KafkaClients administrator, Collection<AclBinding> acls) {
        try (Admin admin = administrator.admin(Map.of())) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the Kafka ACLs: " + e.getMessage(), e);
        }
    }

    /**
     * The administrator's client settings of a secured broker keeping its data in {@code dataDir}, for a broker
     * started in another process (the password file is made here when missing; the broker reads the same one).
     */
    public static Map<String, Object> administratorOf(Path dataDir, String bootstrapServers, LocalPki pki) {
        return scramClient(bootstrapServers, pki, ADMIN_USER, adminPassword(dataDir));
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
    }

    private static String adminPassword(Path dataDir) {
        Path file = dataDir.toAbsolutePath().resolve("admin-password");
        try {
            return OwnerOnlyFiles.secret(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the broker administrator's password in " + file, e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static Properties brokerProperties(Path logDir, Node self, List<Node> cluster, Security security) {
        int clientPort = self.clientPort();
        int controllerPort = self.controllerPort();
        int mutualTlsPort = self.mutualTlsPort();
        int replicas = Math.min(3, cluster.size());
        int minInSync = Math.min(2, cluster.size());
        Properties p = new Properties();
        p.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", Integer.toString(self.id())),
                Map.entry("controller.quorum.voters", String.join(",", cluster.stream().map(n -> n.id() + "@127.0.0.1:" + n.controllerPort()).toList())),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort),
                Map.entry("controller.listener.names", CONTROLLER_LISTENER),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT"),
                Map.entry("log.dirs", logDir.toString()),
                Map.entry("num.partitions", "3"),
                // Topics are created by the services with explicit settings; a typo must not create a topic.
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("default.replication.factor", Integer.toString(replicas)),
                Map.entry("min.insync.replicas", Integer.toString(minInSync)),
                Map.entry("offsets.topic.replication.factor", Integer.toString(replicas)),
                Map.entry("offsets.topic.num.partitions", "5"),
                Map.entry("transaction.state.log.replication.factor", Integer.toString(replicas)),
                Map.entry("transaction.state.log.min.isr", Integer.toString(minInSync)),
                Map.entry("share.coordinator.state.topic.replication.factor", Integer.toString(replicas)),
                Map.entry("share.coordinator.state.topic.min.isr", Integer.toString(minInSync)),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024)),
                Map.entry("log.flush.interval.messages", Long.toString(Long.MAX_VALUE))));
        if (security.secured()) {
            LocalPki pki = security.pki();
            p.putAll(Map.ofEntries(
                    Map.entry("listeners", "SASL_SSL://127.0.0.1:" + clientPort + "," + MUTUAL_TLS_LISTENER + "://127.0.0.1:" + mutualTlsPort
                            + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort),
                    Map.entry("advertised.listeners", "SASL_SSL://127.0.0.1:" + clientPort + "," + MUTUAL_TLS_LISTENER + "://127.0.0.1:" + mutualTlsPort),
                    Map.entry("inter.broker.listener.name", "SASL_SSL"),
                    Map.entry("listener.security.protocol.map", "SASL_SSL:SASL_SSL," + MUTUAL_TLS_LISTENER + ":SSL," + CONTROLLER_LISTENER + ":SSL"),
                    // the second way Strimzi's KafkaUser authenticates: a client certificate of the CA, its CN the principal
                    Map.entry("listener.name." + MUTUAL_TLS_LISTENER.toLowerCase(Locale.ROOT) + ".ssl.client.auth", "required"),
                    Map.entry("listener.name." + MUTUAL_TLS_LISTENER.toLowerCase(Locale.ROOT) + ".ssl.principal.mapping.rules",
                            Security.CERTIFICATE_PRINCIPAL_RULE),
                    Map.entry("sasl.enabled.mechanisms", SCRAM),
                    Map.entry("sasl.mechanism.inter.broker.protocol", SCRAM),
                    Map.entry("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(ADMIN_USER, security.adminPassword())),
                    Map.entry("ssl.keystore.location", pki.brokerKeystore().toString()),
                    Map.entry("ssl.keystore.type", "PKCS12"),
                    Map.entry("ssl.keystore.password", pki.password()),
                    Map.entry("ssl.key.password", pki.password()),
                    Map.entry("ssl.truststore.location", pki.truststore().toString()),
                    Map.entry("ssl.truststore.type", "PKCS12"),
                    Map.entry("ssl.truststore.password", pki.password()),
                    // the controller listener takes only a certificate of the local CA: the broker's own
                    Map.entry("listener.name." + CONTROLLER_LISTENER.toLowerCase(Locale.ROOT) + ".ssl.client.auth", "required"),
                    Map.entry("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer"),
                    Map.entry("allow.everyone.if.no.acl.found", "false"),
                    Map.entry("super.users", "User:" + ADMIN_USER + ";" + LocalPki.brokerPrincipal())));
        }
        return p;
    }

    private static void formatIfNew(Path logDir, int nodeId, String clusterId, Security security) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return; // re-formatting an existing directory fails with "Invalid cluster.id"
        }
        try {
            Formatter formatter = new Formatter();
            if (security.secured()) {
                // the administrator exists from the first start: SCRAM credentials live in the metadata log
                formatter.setScramArguments(List.of(SCRAM + "=[name=" + ADMIN_USER + ",password=" + security.adminPassword() + "]"));
            }
            formatter
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                    .setClusterId(clusterId)
                    .setNodeId(nodeId)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(logDir.toString())
                    .setDirectories(List.of(logDir.toString()))
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka storage in " + logDir + ": " + e.getMessage(), e);
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        try (Admin admin = adminClients.admin(Map.of())) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (Instant.now().isAfter(deadline)) {
                        throw new IllegalStateException("embedded Kafka broker not ready after " + READY_TIMEOUT.toSeconds() + " s", e);
                    }
                }
            }
        }
    }

    /** A TCP port nothing listens on right now (for brokers, services and test endpoints on this machine). */
    /**
     * A port free now and never handed out before by this process: the port is released at once and bound later by
     * another process, so two services started in a row could otherwise be given the same one (the second then fails
     * to bind while the first answers its health check).
     */
    public static int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("no free port", e);
            }
        }
    }
}
