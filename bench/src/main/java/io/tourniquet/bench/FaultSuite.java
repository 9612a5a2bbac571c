package io.tourniquet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tourniquet.bench.faults.BrokerCluster;
import io.tourniquet.bench.faults.PrivatePostgres;
import io.tourniquet.bench.faults.Supervisor;
import io.tourniquet.bench.fleet.FleetIdentities;
import io.tourniquet.bench.fleet.FleetSimulator;
import io.tourniquet.devstack.ClientCredentials;
import io.tourniquet.devstack.EmbeddedKafkaBroker;
import io.tourniquet.devstack.KafkaCredentials;
import io.tourniquet.devstack.LocalIssuer;
import io.tourniquet.devstack.LocalPki;
import io.tourniquet.devstack.LocalStack;
import io.tourniquet.devstack.Polling;
import io.tourniquet.devstack.PostgresSchema;
import io.tourniquet.devstack.ServiceProcess;
import io.tourniquet.devstack.StackHttp;
import io.tourniquet.devstack.StackLogins;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.security.KafkaAcls;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * ./tourniquet faults: the packaged services, a simulated fleet and one real agent, driven through one fault after
 * another (docs/RELIABILITY.md). Each fault gets a new mitigation for the whole fleet; the fault is injected while the
 * mitigation is on its way, then healed; the suite then counts, from the broker and from the audit database, what
 * users rely on: every server applied it or reported a failure (none lost), none applied it twice, every event about
 * it is stored once in the audit trail, and every tenant's hash chain still verifies. The services run under a
 * {@link Supervisor} (what systemd or Kubernetes does for them): a service that exits is started again.
 */
public final class FaultSuite {

    /**
     * What to run. {@code startTimeout}: how long a service started while the broker is down waits for it before it
     * exits (the services' kafka-timeout; 30 s by default). {@code stopTimeout}: how long a policy-service instance asked
     * to stop while the broker is down takes at most before it halts (its shutdown-timeout; 20 s by default).
     * {@code only}: the names of the faults to run, empty for all.
     */
    public record Options(Path home, int brokers, int tenants, int serversPerTenant, Duration postgresDown, Duration brokerDown, Duration startTimeout,
            Duration stopTimeout, Set<String> only, Path out) {
    }

    /** The faults, in the order they run (leader-killed on a cluster of three brokers only). */
    public static final List<String> FAULTS = List.of("none", "broker-killed", "leader-killed", "policy-instance-killed", "audit-killed",
            "postgres-stopped", "poison-records", "agent-killed", "broker-down-start-stop");

    /** The faults a run on this many brokers goes through. */
    public static List<String> faults(int brokers) {
        return FAULTS.stream().filter(f -> brokers >= 3 || !f.equals("leader-killed")).toList();
    }

    static final Map<String, String> DEFINITIONS = Map.ofEntries(
            Map.entry("servers", "servers the mitigation is for: every simulated server and the real agent"),
            Map.entry("commandsSent", "distinct signed apply commands for the mitigation written to the tenants' command topics (read_committed)"),
            Map.entry("applied", "servers with an applied result"),
            Map.entry("failed", "servers that reported a failure or a refusal instead"),
            Map.entry("appliedTwice", "servers that reported two distinct applied results for the mitigation (it was carried out twice)"),
            Map.entry("commandedTwice", "servers sent two distinct commands for the mitigation"),
            Map.entry("lost", "servers with neither an applied nor a failed result when the suite stopped waiting"),
            Map.entry("auditRowsMissing", "events about the mitigation seen on the broker (results, policy decisions) with no row in the audit database"),
            Map.entry("auditRowsDuplicated", "rows of the audit database for the mitigation beyond one per event id"),
            Map.entry("chainValid", "every fleet tenant's hash chain verifies (the audit service's GET /api/v1/tenants/{t}/chain)"),
            Map.entry("recoveryMs", "the fault healed (broker or database back, process killed) -> the last server's result written"),
            Map.entry("auditCaughtUpMs", "the fault healed -> every event about the mitigation stored in the audit database"),
            Map.entry("restarts", "services that exited and were started again by the supervisor, with their exit status"),
            Map.entry("brokerRestartMs", "broker-killed: the killed brokers started again on their data -> every one of them serving clients"));

    private static final String TENANT_PREFIX = "fleet-";
    private static final String REAL_AGENT = "real-agent";
    private static final String AUDIT = "audit-service";
    private static final String POLICY_A = "policy-service-a";
    private static final String POLICY_B = "policy-service-b";
    private static final String INGESTOR = "feed-ingestor";
    private static final String AGENT = "applier-agent";
    private static final Duration RESULTS_TIMEOUT = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final PrintStream out;
    // the running stack, set up by run()
    private Options options;
    private Path work;
    private BrokerCluster broker;
    private PrivatePostgres postgres;
    private PostgresSchema auditSchema;
    private KafkaClients kafka;
    private Supervisor services;
    /** How each service is started: its process name and HTTP port given (a second instance takes another port). */
    private final Map<String, ServiceStarter> starters = new HashMap<>();
    private Map<String, Object> administratorSettings;
    private LocalIssuer issuer;
    private BenchFeed feed;
    private Supplier<String> apiToken;
    private List<String> tenants;
    private int servers;
    private int faultNumber;

    public FaultSuite(PrintStream out) {
        this.out = out;
    }

    /** Starts a process of a service under a name, on a port, with configuration added to the service's own. */
    private interface ServiceStarter {
        ServiceProcess start(String process, int port, Map<String, String> extra);
    }

    /** One fault: injected around the publication of the step's mitigation; returns when the fault was healed (epoch ms). */
    private interface Fault {
        long inject(Step step) throws Exception;
    }

    /** What a fault can do with its mitigation. */
    private final class Step {
        final String mitigation;
        final FleetFollower ledger;
        final Map<String, Object> notes = new LinkedHashMap<>();
        /** When the suite saw every server's result during the fault itself (before it was healed); 0: not yet. */
        long allResultsSeenAt;

        Step(String mitigation, FleetFollower ledger) {
            this.mitigation = mitigation;
            this.ledger = ledger;
        }

        void publish() throws Exception {
            feed.publish(services.get(INGESTOR).baseUrl(), apiToken, mitigation);
        }

        /** Waits until the policy service has sent the first command: the fan-out is under way. */
        void awaitFirstCommand() {
            await(() -> !ledger.commanded(mitigation, s -> true).isEmpty(), "the first command for " + mitigation);
        }

        void await(Supplier<Boolean> condition, String what) {
            long deadline = System.currentTimeMillis() + RESULTS_TIMEOUT.toMillis();
            while (!condition.get()) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("no " + what + " within " + RESULTS_TIMEOUT);
                }
                ledger.catchUp();
            }
        }
    }

    public Map<String, Object> run(Options options) throws Exception {
        this.options = options;
        work = Files.createTempDirectory("tourniquet-faults");
        Path logs = work.resolve("logs");
        Map<String, Integer> fleet = new LinkedHashMap<>();
        for (int t = 1; t <= options.tenants(); t++) {
            fleet.put(String.format("%s%04d", TENANT_PREFIX, t), options.serversPerTenant());
        }
        tenants = List.copyOf(fleet.keySet());
        String realAgentTenant = tenants.get(0);
        servers = options.tenants() * options.serversPerTenant() + 1;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("startedAt", Instant.now().toString());
        result.put("definitions", DEFINITIONS);
        result.put("machine", Bench.machine());
        result.put("kafka", options.brokers() == 1 ? "one broker (TLS + SCRAM-SHA-512 + ACLs, as ./tourniquet up)"
                : options.brokers() + " brokers, replication factor 3, min.insync.replicas=2 (TLS + SCRAM-SHA-512 + ACLs)");
        result.put("fleet", Map.of("brokers", options.brokers(), "tenants", options.tenants(), "simulatedServersPerTenant", options.serversPerTenant(), "realAgents", 1,
                "servers", servers, "postgresDownSeconds", options.postgresDown().toSeconds(), "brokerDownSeconds", options.brokerDown().toSeconds()));
        List<Map<String, Object>> outcomes = new ArrayList<>();
        result.put("faults", outcomes);

        LocalPki pki = LocalPki.in(work.resolve("tls"));
        postgres = PrivatePostgres.start();
        broker = BrokerCluster.start(options.brokers(), options.home().resolve("bench/target"), work.resolve("kafka"), work.resolve("tls"), logs);
        services = new Supervisor();
        Thread cleanup = new Thread(this::stopAll, "faults-cleanup"); // Ctrl-C must not leave the stack running
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            administratorSettings = broker.administratorSettings();
            kafka = KafkaClients.of(administratorSettings);
            KafkaCredentials identities = new KafkaCredentials(work.resolve("credentials"), pki, broker.bootstrapServers());
            EmbeddedKafkaBroker.upsertUsers(kafka, identities.passwords(List.of(KafkaAcls.FEED_INGESTOR, KafkaAcls.POLICY_SERVICE,
                    KafkaAcls.AUDIT_SERVICE, KafkaAcls.agent(realAgentTenant))));
            EmbeddedKafkaBroker.allow(kafka, KafkaAcls.services());
            EmbeddedKafkaBroker.allow(kafka, KafkaAcls.tenant(realAgentTenant));
            issuer = StackLogins.startIssuer(work, EmbeddedKafkaBroker.freePort(), List.of(realAgentTenant), null);
            ClientCredentials token = StackLogins.client(work, issuer, StackLogins.STACK_CLIENT);
            apiToken = token;
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "TOURNIQUET_STATE_DIR",
                    work.resolve("state").toString(), "TOURNIQUET_OIDC_ISSUER", issuer.url());
            List<TopicSpec> specs = new ArrayList<>(Topics.central());
            tenants.forEach(t -> specs.addAll(Topics.tenant(t)));
            try (TopicProvisioner provisioner = new TopicProvisioner(kafka, Duration.ofMinutes(5))) {
                provisioner.ensure(specs);
            }
            Path keys = LocalStack.ensureSigningKeys(work.resolve("keys"));
            FleetIdentities.create(keys.resolve(Bench.FLEET_KEY_SEED)).enrol(kafka, fleet);
            Path feedKey = work.resolve("keys/faults-feed.pub");
            feed = BenchFeed.create(feedKey, 0);
            auditSchema = PostgresSchema.fresh(postgres.url(), "postgres", "faults_");

            service(AUDIT, "512m", env, identities.clientConfig(KafkaAcls.AUDIT_SERVICE), auditSchema.auditConfig(), logs);
            for (String instance : List.of(POLICY_A, POLICY_B)) {
                service(instance, "512m", env, identities.clientConfig(KafkaAcls.POLICY_SERVICE), Map.of(
                        "tourniquet.policy.signing-key-file", keys.resolve("policy-signing.key").toString(),
                        "tourniquet.policy.signing-public-key-file", keys.resolve("policy-signing.pub").toString(),
                        "tourniquet.policy.shutdown-timeout", options.stopTimeout().toSeconds() + "s",
                        "kafka-streams.state.dir", work.resolve("state/" + instance).toString()), logs);
            }
            service(INGESTOR, "192m", env, identities.clientConfig(KafkaAcls.FEED_INGESTOR), BenchFeed.ingestorConfig(feedKey, keys), logs);
            awaitAllReady();
            Path agentState = work.resolve("state/" + REAL_AGENT);
            RealAgent.enrol(services.get(POLICY_A).baseUrl(), realAgentTenant, REAL_AGENT, agentState, token.get());
            service(AGENT, "64m", env, identities.clientConfig(KafkaAcls.agent(realAgentTenant)),
                    RealAgent.config(realAgentTenant, REAL_AGENT, keys, agentState), logs);

            Path fleetFile = work.resolve("fleet.txt");
            StringBuilder lines = new StringBuilder();
            fleet.forEach((tenant, count) -> lines.append(tenant).append(' ').append(count).append('\n'));
            Files.writeString(fleetFile, lines);
            try (FleetProcess simulator = FleetProcess.start(options.home(), 0, Duration.ZERO, 0, broker.bootstrapServers(),
                    identities.clientConfig("faults-administrator", administratorSettings), fleetFile, keys, work.resolve("fleet-state"),
                    logs.resolve("fleet-simulator.log"))) {
                simulator.awaitLine("fleet ready", Duration.ofMinutes(3));
                awaitAllReady();
                Bench.awaitPolicyCaughtUp(kafka, Duration.ofMinutes(5));
                out.printf("stack ready: %d servers in %d tenants (one real agent), two policy-service instances, audit on PostgreSQL %s%n",
                        servers, tenants.size(), postgres.url());
                // the whole run too: a fault may also make an earlier mitigation be sent or applied again
                try (FleetFollower run = new FleetFollower(kafka, TENANT_PREFIX)) {
                    for (String fault : faults(options.brokers())) {
                        if (options.only().isEmpty() || options.only().contains(fault)) {
                            outcomes.add(fault(fault, faultOf(fault)));
                            awaitAllReady();
                        }
                    }
                    result.put("wholeRun", wholeRun(run));
                }
            }
        } finally {
            stopAll();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
        result.put("table", table(outcomes));
        out.printf("whole run: %s%n", result.get("wholeRun"));
        result.put("logs", logs.toString());
        Files.createDirectories(options.out().toAbsolutePath().getParent());
        Files.writeString(options.out(), JSON.writeValueAsString(result));
        out.println(table(outcomes));
        return result;
    }

    private Fault faultOf(String name) {
        return switch (name) {
            case "none" -> step -> {
                step.publish();
                return System.currentTimeMillis();
            };
            case "broker-killed" -> this::brokerKilled;
            case "leader-killed" -> this::leaderKilled;
            case "policy-instance-killed" -> step -> killDuringFanOut(step, POLICY_A);
            case "audit-killed" -> this::auditKilled;
            case "postgres-stopped" -> this::postgresStopped;
            case "poison-records" -> this::poisonRecords;
            case "agent-killed" -> this::agentKilled;
            case "broker-down-start-stop" -> this::brokerDownStartStop;
            default -> throw new IllegalArgumentException("unknown fault " + name + "; known: " + FAULTS);
        };
    }

    /** SIGKILL of every broker while the policy service is sending the commands; started again on the same data. */
    private long brokerKilled(Step step) throws Exception {
        step.publish();
        step.awaitFirstCommand();
        broker.killAll();
        step.notes.put("commandsSeenWhenKilled", step.ledger.commanded(step.mitigation, s -> true).size());
        Thread.sleep(options.brokerDown().toMillis()); // the outage itself
        long restarting = System.currentTimeMillis();
        broker.restartAll();
        long back = System.currentTimeMillis();
        step.notes.put("brokerRestartMs", back - restarting);
        return back;
    }

    /** SIGKILL of the broker leading the first tenant's command topic during the fan-out; the others go on; it comes back. */
    private long leaderKilled(Step step) throws Exception {
        int leader = broker.leaderOf(Topics.commands(tenants.get(0)));
        step.publish();
        step.awaitFirstCommand();
        broker.kill(leader);
        long killed = System.currentTimeMillis();
        step.notes.put("killedBroker", leader);
        step.notes.put("commandsSeenWhenKilled", step.ledger.commanded(step.mitigation, s -> true).size());
        // the fleet must get the mitigation from the two brokers left: they hold every record (min.insync.replicas=2)
        boolean done = step.ledger.awaitResults(step.mitigation, s -> true, servers, RESULTS_TIMEOUT);
        step.allResultsSeenAt = done ? System.currentTimeMillis() : 0;
        step.notes.put("allResultsWithLeaderDownMs", done ? step.allResultsSeenAt - killed : "not within " + RESULTS_TIMEOUT);
        broker.restartAll();
        return killed;
    }

    /** SIGKILL of one of the two policy-service instances during the fan-out: its tasks move to the other (and to it once restarted). */
    private long killDuringFanOut(Step step, String service) throws Exception {
        step.publish();
        step.awaitFirstCommand();
        services.kill(service);
        step.notes.put("killed", service);
        step.notes.put("commandsSeenWhenKilled", step.ledger.commanded(step.mitigation, s -> true).size());
        return System.currentTimeMillis();
    }

    /** SIGKILL of the audit service once it has stored part of the fleet's results. */
    private long auditKilled(Step step) throws Exception {
        step.publish();
        step.await(() -> storedRows(step.mitigation) > 0, "audit row for " + step.mitigation);
        services.kill(AUDIT);
        step.notes.put("rowsStoredWhenKilled", storedRows(step.mitigation));
        return System.currentTimeMillis();
    }

    /** PostgreSQL stopped (fast shutdown: every connection cut) while results arrive, started again after the outage. */
    private long postgresStopped(Step step) throws Exception {
        step.publish();
        step.awaitFirstCommand();
        long stoppedAt = System.currentTimeMillis();
        postgres.stop();
        // while it cannot store, the audit service says so on its readiness check instead of looking healthy
        Optional<Long> notReady = Polling.until(options.postgresDown(), Duration.ofMillis(200), () -> services.get(AUDIT).isReady() ? Optional.empty()
                : Optional.of(System.currentTimeMillis() - stoppedAt));
        step.notes.put("auditNotReadyAfterMs", notReady.map(Object.class::cast).orElse("stayed ready during the outage"));
        Thread.sleep(Math.max(0, stoppedAt + options.postgresDown().toMillis() - System.currentTimeMillis())); // the rest of the outage
        postgres.startAgain();
        return System.currentTimeMillis();
    }

    /** A record no service can read on every topic a service or agent consumes; then the mitigation must still go through. */
    private long poisonRecords(Step step) throws Exception {
        String tenant = tenants.get(0);
        List<String> topics = new ArrayList<>();
        Topics.central().stream().map(TopicSpec::name)
                .filter(t -> !t.equals(Topics.POLICY_DEAD_LETTERS) && !t.equals(Topics.AUDIT_DEAD_LETTERS) && !t.startsWith(Topics.AUDIT_CLOUDEVENTS))
                .forEach(topics::add);
        topics.add(Topics.commands(tenant));
        topics.add(Topics.agentEvents(tenant));
        long deadLettersBefore = endOffsets(List.of(Topics.POLICY_DEAD_LETTERS, Topics.AUDIT_DEAD_LETTERS));
        try (var producer = kafka.producer(Map.of(), new StringSerializer(), new ByteArraySerializer())) {
            for (String topic : topics) {
                // keyed as the real agent's records, so that it (not only the services) reads the ones on its tenant's topics
                producer.send(new ProducerRecord<>(topic, REAL_AGENT, "not a Tourniquet record \u0000\u00ff".getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        step.notes.put("poisonedTopics", topics);
        step.publish();
        long poisoned = System.currentTimeMillis();
        step.await(() -> step.ledger.results(step.mitigation, s -> true) >= servers, "results after the poison records");
        step.allResultsSeenAt = System.currentTimeMillis();
        step.notes.put("deadLettered", endOffsets(List.of(Topics.POLICY_DEAD_LETTERS, Topics.AUDIT_DEAD_LETTERS)) - deadLettersBefore);
        return poisoned;
    }

    /** SIGKILL of the real agent as soon as its command is written: it may be before, during or after the apply. */
    private long agentKilled(Step step) throws Exception {
        step.publish();
        String self = tenants.get(0) + "/" + REAL_AGENT;
        step.await(() -> step.ledger.commanded(step.mitigation, self::equals).size() == 1, "the real agent's command");
        services.kill(AGENT);
        step.notes.put("agentResultWhenKilled", step.ledger.results(step.mitigation, self::equals) > 0);
        return System.currentTimeMillis();
    }

    /**
     * Every broker is killed. An ingestor is started while they are gone (it must never report ready, and give up with
     * a failure status after its kafka-timeout); one policy instance is asked to stop (SIGTERM: it must end within its
     * shutdown timeout although Kafka Streams cannot commit); the audit service, the ingestor and the other policy
     * instance ride the outage out. The brokers come back, the stopped instance is started again, then the mitigation
     * is published.
     */
    private long brokerDownStartStop(Step step) throws Exception {
        broker.killAll();
        long stopAt = System.currentTimeMillis();
        services.hold(POLICY_A);
        ServiceProcess stopping = services.get(POLICY_A);
        stopping.requestStop();
        ServiceProcess cold = starters.get(INGESTOR).start("feed-ingestor-cold", EmbeddedKafkaBroker.freePort(),
                Map.of("tourniquet.ingestor.kafka-timeout", options.startTimeout().toSeconds() + "s"));
        long coldAt = System.currentTimeMillis();
        AtomicBoolean coldReady = new AtomicBoolean();
        Map<String, Object> ended = new LinkedHashMap<>();
        boolean bothEnded = Polling.until(Duration.ofSeconds(90), Duration.ofMillis(200), () -> {
            if (cold.isAlive() && cold.isReady()) {
                coldReady.set(true); // it must not claim to be ready without a broker
            }
            if (!stopping.isAlive() && !ended.containsKey(POLICY_A)) {
                ended.put(POLICY_A, Map.of("exitStatus", stopping.exitValue(), "stoppedInMs", System.currentTimeMillis() - stopAt));
            }
            if (!cold.isAlive() && !ended.containsKey("feed-ingestor-cold")) {
                ended.put("feed-ingestor-cold", Map.of("exitStatus", cold.exitValue(), "exitedAfterMs", System.currentTimeMillis() - coldAt));
            }
            return ended.size() == 2 ? Optional.of(true) : Optional.empty();
        }).orElse(false);
        step.notes.put("stopWithBrokerGone", ended.getOrDefault(POLICY_A, "still running after 90 s"));
        step.notes.put("startWithBrokerDown", ended.getOrDefault("feed-ingestor-cold", "still running after 90 s"));
        step.notes.put("coldStartEverReady", coldReady.get());
        step.notes.put("bothEndedInTime", bothEnded);
        cold.close();
        stopping.close();
        broker.restartAll();
        long back = System.currentTimeMillis();
        services.release(POLICY_A);
        services.restartEndedNow();
        awaitAllReady();
        step.publish();
        return back;
    }

    private Map<String, Object> fault(String name, Fault fault) throws Exception {
        String mitigation = "FAULT" + (++faultNumber);
        out.printf("fault %s: mitigation %s to %d servers...%n", name, mitigation, servers);
        int restartsBefore = services.restartCount();
        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("fault", name);
        outcome.put("mitigation", mitigation);
        try (FleetFollower ledger = new FleetFollower(kafka, TENANT_PREFIX, true)) {
            Step step = new Step(mitigation, ledger);
            long healed = fault.inject(step);
            boolean complete = ledger.awaitResults(mitigation, s -> true, servers, RESULTS_TIMEOUT);
            // when the suite saw the last result: record times are the producer's clock, and a result held in an agent's
            // producer while the broker was down carries the time it was made, not the time it was written
            long lastResult = step.allResultsSeenAt > 0 ? step.allResultsSeenAt : System.currentTimeMillis();
            // the results may still be followed by late duplicates: read what the broker has before counting
            ledger.catchUp();
            Optional<Long> auditDone = Polling.until(RESULTS_TIMEOUT, Duration.ofMillis(250), () -> {
                ledger.catchUp();
                return missing(ledger.auditableEventIds(mitigation), storedRowsById(mitigation)).isEmpty() ? Optional.of(System.currentTimeMillis())
                        : Optional.empty();
            });
            Set<String> auditable = ledger.auditableEventIds(mitigation);
            Map<String, Long> rows = storedRowsById(mitigation);
            outcome.put("servers", servers);
            outcome.put("complete", complete);
            outcome.put("commandsSent", ledger.commandsPerServer(mitigation).values().stream().mapToInt(Integer::intValue).sum());
            outcome.put("applied", ledger.applied(mitigation, s -> true).size());
            outcome.put("failed", ledger.failed(mitigation, s -> true).size());
            outcome.putAll(deliveries(ledger, mitigation).asMap());
            outcome.put("auditEvents", auditable.size());
            outcome.put("auditRowsMissing", missing(auditable, rows).size());
            outcome.put("auditRowsDuplicated", rows.values().stream().mapToLong(n -> n - 1).sum());
            outcome.put("chainValid", chainsValid());
            outcome.put("recoveryMs", Math.max(0, lastResult - healed));
            outcome.put("auditCaughtUpMs", auditDone.map(at -> Math.max(0, at - healed)).map(Object.class::cast).orElse("timed out"));
            List<String> restarts = services.restartsSince(restartsBefore).stream().map(r -> r.service() + " (exit " + r.exitStatus() + ")").toList();
            outcome.put("restarts", restarts);
            outcome.putAll(step.notes);
        }
        out.printf("  %s%n", outcome);
        return outcome;
    }

    /** Per server of the fleet, how one mitigation was delivered: carried out twice, sent twice, or neither applied nor failed. */
    private record Deliveries(long appliedTwice, long commandedTwice, long lost) {

        Deliveries plus(Deliveries other) {
            return new Deliveries(appliedTwice + other.appliedTwice, commandedTwice + other.commandedTwice, lost + other.lost);
        }

        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("appliedTwice", appliedTwice);
            map.put("commandedTwice", commandedTwice);
            map.put("lost", lost);
            return map;
        }
    }

    private Deliveries deliveries(FleetFollower follower, String mitigation) {
        return new Deliveries(follower.appliedPerServer(mitigation).values().stream().filter(n -> n > 1).count(),
                follower.commandsPerServer(mitigation).values().stream().filter(n -> n > 1).count(),
                servers - follower.results(mitigation, s -> true));
    }

    /** Every mitigation of the run, counted again at its end. */
    private Map<String, Object> wholeRun(FleetFollower run) {
        for (int n = 1; n <= faultNumber; n++) {
            // this follower read nothing while the faults ran: it reads now until each mitigation has all its results
            run.awaitResults("FAULT" + n, s -> true, servers, Duration.ofSeconds(30));
        }
        run.drain(); // and what came after, a late duplicate included
        Deliveries total = new Deliveries(0, 0, 0);
        for (int n = 1; n <= faultNumber; n++) {
            total = total.plus(deliveries(run, "FAULT" + n));
        }
        Map<String, Object> whole = new LinkedHashMap<>();
        whole.put("mitigations", faultNumber);
        whole.putAll(total.asMap());
        return whole;
    }

    /** Whether the outcome shows what users rely on: nothing lost, nothing twice, the audit trail whole and verifiable. */
    public static boolean survived(JsonNode outcome) {
        return outcome.path("complete").asBoolean() && outcome.path("lost").asLong(-1) == 0 && outcome.path("appliedTwice").asLong(-1) == 0
                && outcome.path("auditRowsMissing").asLong(-1) == 0 && outcome.path("auditRowsDuplicated").asLong(-1) == 0
                && outcome.path("chainValid").asBoolean();
    }

    private static String table(List<Map<String, Object>> outcomes) {
        StringBuilder t = new StringBuilder(String.format("%-24s %7s %8s %7s %7s %6s %5s %8s %8s %6s %9s %9s  %s%n", "fault", "servers", "commands",
                "applied", "failed", "twice", "lost", "audit-", "audit2x", "chain", "recov-ms", "audit-ms", "restarts"));
        for (Map<String, Object> o : outcomes) {
            t.append(String.format("%-24s %7s %8s %7s %7s %6s %5s %8s %8s %6s %9s %9s  %s%n", o.get("fault"), o.get("servers"), o.get("commandsSent"),
                    o.get("applied"), o.get("failed"), o.get("appliedTwice"), o.get("lost"), o.get("auditRowsMissing"), o.get("auditRowsDuplicated"),
                    o.get("chainValid"), o.get("recoveryMs"), o.get("auditCaughtUpMs"), o.get("restarts")));
        }
        return t.toString();
    }

    private void service(String name, String heap, Map<String, String> env, Path kafkaIdentity, Map<String, String> config, Path logs) {
        Map<String, String> all = new HashMap<>(config);
        all.put("quarkus.config.locations", kafkaIdentity.toAbsolutePath().toString());
        String module = name.startsWith("policy-service") ? "policy-service" : name;
        Path jar = ServiceProcess.packagedJar(options.home(), module);
        starters.put(name, (process, port, extra) -> {
            Map<String, String> properties = new HashMap<>(all);
            properties.putAll(extra);
            return ServiceProcess.start(process, jar, port, env, properties, logs.resolve(process), heap);
        });
        int port = EmbeddedKafkaBroker.freePort();
        services.start(name, () -> starters.get(name).start(name, port, Map.of()));
    }

    private void awaitAllReady() {
        for (String name : List.of(AUDIT, POLICY_A, POLICY_B, INGESTOR, AGENT)) {
            for (int attempt = 1; services.get(name) != null; attempt++) {
                try {
                    services.get(name).awaitReady(Duration.ofSeconds(120));
                    break;
                } catch (IllegalStateException e) {
                    if (attempt == 3 || services.get(name).isAlive()) {
                        throw e;
                    }
                    services.restartEndedNow(); // it ended while starting: started again, as its service manager would
                }
            }
        }
    }

    private boolean chainsValid() throws Exception {
        for (String tenant : tenants) {
            var response = StackHttp.client().send(HttpRequest.newBuilder(URI.create(services.get(AUDIT).baseUrl() + "/api/v1/tenants/" + tenant + "/chain"))
                    .header("Authorization", "Bearer " + apiToken.get()).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 || !JSON.readTree(response.body()).path("verification").path("valid").asBoolean()) {
                out.printf("  chain of %s does not verify: HTTP %d %s%n", tenant, response.statusCode(), response.body());
                return false;
            }
        }
        return true;
    }

    private static Set<String> missing(Set<String> expected, Map<String, Long> stored) {
        Set<String> missing = new HashSet<>(expected);
        missing.removeAll(stored.keySet());
        return missing;
    }

    private long storedRows(String mitigation) {
        return storedRowsById(mitigation).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Rows of the audit database about the mitigation, by event id, read over a connection of the suite's own. */
    private Map<String, Long> storedRowsById(String mitigation) {
        try {
            return auditSchema.rowsPerEventId(mitigation);
        } catch (SQLException e) {
            return Map.of(); // not there yet (the audit service makes its tables) or the database is the fault under test
        }
    }

    private long endOffsets(List<String> topics) throws Exception {
        try (var admin = kafka.admin(Map.of())) {
            var partitions = admin.describeTopics(topics).allTopicNames().get().values().stream()
                    .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                    .toList();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        }
    }

    private void stopAll() {
        if (services != null) {
            services.close();
        }
        if (issuer != null) {
            issuer.close();
        }
        try {
            if (broker != null) {
                broker.close();
            }
        } catch (Exception e) {
            // best effort: the database must still be stopped
        }
        try {
            if (postgres != null) {
                postgres.close();
            }
        } catch (Exception e) {
            out.println("cannot stop the private PostgreSQL: " + e.getMessage());
        }
    }
}
