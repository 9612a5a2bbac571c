package io.tourniquet.bench;

import io.tourniquet.devstack.ClientCredentials;
import io.tourniquet.devstack.LocalIssuer;
import io.tourniquet.devstack.StackLogins;
import java.util.function.Supplier;
import java.util.stream.Stream;
import io.tourniquet.bench.fleet.FleetIdentities;
import io.tourniquet.devstack.EmbeddedKafkaBroker;
import io.tourniquet.devstack.KafkaCredentials;
import io.tourniquet.devstack.LocalPki;
import io.tourniquet.devstack.LocalStack;
import io.tourniquet.devstack.PostgresSchema;
import io.tourniquet.devstack.Rss;
import io.tourniquet.devstack.JvmTuning;
import io.tourniquet.devstack.ServiceProcess;
import io.tourniquet.devstack.Polling;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.security.KafkaAcls;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * ./tourniquet bench: the whole pipeline on a fresh embedded broker — feed-ingestor, policy-service and audit-service as
 * packaged, a simulated fleet of real agent code, one real agent — and the scenarios of docs/BENCHMARKS.md: one new
 * mitigation pushed as a signed feed to every server, a staged rollout, an unblock for one tenant, a tenth of the
 * fleet offline coming back; plus the audit ingest rate, raw Kafka on the same broker, CPU and peak RSS of each
 * process and the idle footprint of one agent. Prints the figures and writes them as JSON.
 */
public final class Bench {

    /** What to run; {@code out}: where the JSON figures go. */
    public record Options(Path home, int tenants, int serversPerTenant, int scenarioServers, int canaries, int recordSize, Duration applyLatency,
            double failureRate, double offlineShare, int realAgents, int auditEvents, Duration agentIdle, String postgresUrl, Path out, boolean plaintextKafka,
            int brokers, JvmTuning serviceJvm) {
    }

    static final String MITIGATION = "BENCH1";
    static final String SECOND_MITIGATION = "BENCH2";
    static final String THIRD_MITIGATION = "BENCH3";
    static final String FOURTH_MITIGATION = "BENCH4";
    /** Tenants of the fleet share this prefix; the two scenario tenants come after the regular ones. */
    static final String TENANT_PREFIX = "fleet-";
    static final String UNBLOCK_TENANT = "fleet-unblock";
    static final String ROLLOUT_TENANT = "fleet-rollout";
    private static final String REGULAR_PREFIX = "fleet-0";
    /** The server of each real applier-agent process, one in each of the first regular tenants. */
    static final String REAL_AGENT = "real-agent";
    /** The simulated servers' agent key seed, in the bench's key directory. */
    static final String FLEET_KEY_SEED = "fleet-agent-keys.seed";
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(10);
    /** What each figure of the JSON measures (times are Kafka record times unless said otherwise). */
    /** The user the bench connects to --postgres as. */
    private static final String POSTGRES_USER = "postgres";

    static final Map<String, String> DEFINITIONS = definitions(
            "firstMitigationAfterStart", "as oneMitigation, for the first mitigation after every process started (JIT and broker cold)",
            "firstMitigationAfterPolicyRestart", "as oneMitigation, for the first mitigation pushed once the policy service alone was stopped "
                    + "(SIGTERM) and started again on its state and ready; every other process warm",
            "oneMitigation", "steady state: the pipeline's second mitigation to the regular servers (CPU of processes measured over it)",
            "oneMitigation.timeToMitigateMs", "signed feed pushed to the feed-ingestor -> the server's applied result written",
            "oneMitigation.stages.ingestMs", "feed pushed -> verified mitigation written to tourniquet.mitigations",
            "oneMitigation.stages.policyFanOutMs", "mitigation written -> the server's signed command first seen by a reader (the bench's "
                    + "read_committed follower, bench clock; the agent's result time when that came first): the commit wait is in this stage",
            "oneMitigation.stages.agentApplyMs", "command first seen by a reader -> the agent's result written",
            "oneMitigation.realAgents.timeToMitigateMs", "as timeToMitigateMs, for the real applier-agent processes of the fleet alone",
            "oneMitigation.timeToMitigateAsMultipleOfRawKafka", "timeToMitigateMs / the fleetTimeMs of rawKafka's denominator: the same fleet's records "
                    + "through bare Kafka",
            "oneMitigation.stages.auditStoredMs", "last result written -> every applied state stored by the audit service (bench clock)",
            "oneMitigation.throughput.pipelineServersPerSecond", "servers with a result / (last result - feed pushed)",
            "oneMitigation.throughput.pipelineShareOfRawKafkaPercent", "pipelineServersPerSecond / serversPerSecond of rawKafka's denominator (the faster of its two runs)",
            "rawKafka", "bare Kafka on the same broker, while the fleet idles (withFleetIdle) and after it stopped (fleetStopped, the services "
                    + "still running): per server one record of the pipeline's measured command size and "
                    + "one of its result size, produced (acks=all, idempotent) to topics laid out as the tenants' (one per tenant, same "
                    + "partitions) and consumed at the same time",
            "rawKafka.*.fleetTimeMs", "first record sent -> last record consumed, for as many servers as the regular fleet",
            "rawKafka.*.producedMs", "first record sent -> the producer's flush returned (every record acknowledged)",
            "rawKafka.twoTopics", "the same records, fleet stopped, into one command and one result topic: what the per-tenant layout costs",
            "machine.loadAverageBefore", "/proc/loadavg (1, 5, 15 min) just before the run: what else the machine was doing",
            "stagedRollout.commandWaves", "commands to the rollout tenant grouped by gaps over 300 ms, ms after the feed push",
            "unblockOneTenant.timeToMitigateMs", "unblock requested on the policy API (bench clock) -> applied result written",
            "offlineComeBack.cameBackTimeToMitigateMs", "servers told to come back (bench clock) -> their applied result written",
            "auditIngest.*.eventsPerSecond", "a backlog of policy decisions on tourniquet.audit stored (row, chain link, state change) and "
                    + "published as CloudEvents by a fresh audit service, from its first stored batch to the last CloudEvent acknowledged (its "
                    + "own counters, read every 100 ms)",
            "auditIngest.*.storedEventsPerSecond", "the same, up to the last event stored (its CloudEvents may still be on their way)",
            "auditIngest.postgresql.rowsInPostgres", "audit_event rows in the run's own schema, counted over JDBC before the schema is dropped",
            "auditDatabase.postgresqlSchema", "with --postgres: the pipeline's audit service wrote to this schema, dropped at the end of the run",
            "agentFootprint", "the first real applier-agent process of the fleet (1 server, simulated backend) after applying: CPU and RSS while "
                    + "idle; its drift check (30 s) and inventory (60 s) run in the window");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final PrintStream out;
    /** The services' Kafka identities on the secured broker; null on a plaintext one. */
    private KafkaCredentials identities;

    public Bench(PrintStream out) {
        this.out = out;
    }

    /** The regular tenants (fleet-0001...), then the unblock and rollout scenario tenants; servers per tenant. */
    static Map<String, Integer> fleet(Options options) {
        Map<String, Integer> fleet = new LinkedHashMap<>();
        for (int t = 1; t <= options.tenants(); t++) {
            fleet.put(String.format("%s%04d", TENANT_PREFIX, t), options.serversPerTenant());
        }
        fleet.put(UNBLOCK_TENANT, options.scenarioServers());
        fleet.put(ROLLOUT_TENANT, options.scenarioServers());
        return fleet;
    }

    public Map<String, Object> run(Options options) throws Exception {
        Map<String, Integer> fleet = fleet(options);
        List<String> tenants = List.copyOf(fleet.keySet());
        List<String> regularTenants = tenants.stream().filter(t -> t.startsWith(REGULAR_PREFIX)).toList();
        int regularServers = options.tenants() * options.serversPerTenant();
        int servers = fleet.values().stream().mapToInt(Integer::intValue).sum();
        List<String> realAgentTenants = realAgentTenants(options);
        Path work = Files.createTempDirectory("tourniquet-bench");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("startedAt", Instant.now().toString());
        result.put("definitions", DEFINITIONS);
        result.put("machine", machine());
        result.put("fleet", Map.of("regularTenants", options.tenants(), "serversPerTenant", options.serversPerTenant(), "regularServers", regularServers,
                "scenarioTenants", Map.of(UNBLOCK_TENANT, options.scenarioServers(), ROLLOUT_TENANT, options.scenarioServers()), "servers", servers,
                "applyLatencyMs", options.applyLatency().toMillis(), "failureRate", options.failureRate(), "recordSize", options.recordSize(),
                "realAgents", realAgentTenants.size(), "model", FleetProcess.MODEL));
        List<AutoCloseable> processes = new CopyOnWriteArrayList<>();
        // Ctrl-C or a timeout must not leave the services and the fleet running
        Thread cleanup = new Thread(() -> stopAll(processes), "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        LocalPki pki = options.plaintextKafka() ? null : LocalPki.in(work.resolve("tls"));
        try (BenchKafka broker = BenchKafka.start(options.brokers(), pki, options.home(), work)) {
            // the bench's own clients (topics, the raw baseline, the follower, the fleet simulator acting for every
            // tenant's agents) are the broker's administrator; each service runs as its own principal under KafkaAcls
            KafkaClients kafka = broker.administrator();
            identities = pki == null ? null : new KafkaCredentials(work.resolve("credentials"), pki, broker.bootstrapServers());
            if (identities != null) {
                List<String> principals = new ArrayList<>(List.of(KafkaAcls.FEED_INGESTOR, KafkaAcls.POLICY_SERVICE, KafkaAcls.AUDIT_SERVICE));
                realAgentTenants.forEach(t -> principals.add(KafkaAcls.agent(t)));
                EmbeddedKafkaBroker.upsertUsers(kafka, identities.passwords(principals));
                EmbeddedKafkaBroker.allow(kafka, KafkaAcls.services());
                realAgentTenants.forEach(t -> EmbeddedKafkaBroker.allow(kafka, KafkaAcls.tenant(t)));
            }
            result.put("kafka", broker.description());
            result.put("kafkaSecurity", pki == null ? "plaintext (--plaintext-kafka)" : "TLS + SCRAM-SHA-512 + ACLs (KafkaAcls), as ./tourniquet up");
            result.put("serviceJvm", options.serviceJvm().label() + ": " + options.serviceJvm().description());
            Path logs = work.resolve("logs");
            // the services validate tokens as in ./tourniquet up: the bench calls their APIs as the stack's automation client
            LocalIssuer issuer = StackLogins.startIssuer(work, EmbeddedKafkaBroker.freePort(), List.of(UNBLOCK_TENANT), null); // plain HTTP on loopback, as its services
            processes.add(issuer);
            ClientCredentials apiToken = StackLogins.client(work, issuer, StackLogins.STACK_CLIENT);
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "TOURNIQUET_STATE_DIR", work.resolve("state").toString(),
                    "TOURNIQUET_OIDC_ISSUER", issuer.url());
            provision(kafka, Topics.central());

            out.printf("audit ingest: writing a backlog of %d decisions...%n", options.auditEvents());
            AuditIngestBench.writeBacklog(kafka, regularTenants, options.serversPerTenant(), options.auditEvents());
            Map<String, Object> ingest = new LinkedHashMap<>();
            ingest.put("embedded", auditIngest(options, env, logs, "embedded", Map.of("tourniquet.audit.embedded-dir", work.resolve("ingest-db").toString())));
            ingest.put("postgresql", options.postgresUrl() == null ? "not configured (--postgres=jdbc:postgresql://...)"
                    : postgresIngest(options, env, logs));
            result.put("auditIngest", ingest);

            out.printf("broker %s; creating topics for %d tenants...%n", kafka.bootstrapServers(), tenants.size());
            List<TopicSpec> specs = new ArrayList<>();
            tenants.forEach(t -> specs.addAll(Topics.tenant(t)));
            specs.addAll(RawKafkaBaseline.topics(regularTenants.size()));
            provision(kafka, specs);
            Path keys = LocalStack.ensureSigningKeys(work.resolve("keys"));
            // every simulated server enrolled before the policy service starts: its global store has them all from the first event
            FleetIdentities.create(keys.resolve(FLEET_KEY_SEED)).enrol(kafka, fleet);
            Path feedKey = work.resolve("keys/bench-feed.pub");
            BenchFeed feed = BenchFeed.create(feedKey, options.recordSize());
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.putAll(broker.processes());
            try {
                PostgresSchema auditSchema = options.postgresUrl() == null ? null : PostgresSchema.fresh(options.postgresUrl(), POSTGRES_USER, "bench_");
                Map<String, String> auditConfig = auditSchema == null
                        ? Map.of("tourniquet.audit.embedded-dir", work.resolve("audit-db").toString()) : auditSchema.auditConfig();
                ServiceProcess audit = start(processes, options, "audit-service", env, as(KafkaAcls.AUDIT_SERVICE, auditConfig), logs, "512m");
                if (auditSchema != null) {
                    processes.add(auditSchema); // dropped once the audit service, closed just before it, is gone
                    result.put("auditDatabase", Map.of("postgresqlSchema", auditSchema.name()));
                }
                Map<String, String> policyConfig = as(KafkaAcls.POLICY_SERVICE, Map.of(
                        "tourniquet.policy.signing-key-file", keys.resolve("policy-signing.key").toString(),
                        "tourniquet.policy.signing-public-key-file", keys.resolve("policy-signing.pub").toString()));
                ServiceProcess policy = start(processes, options, "policy-service", env, policyConfig, logs, "768m");
                ServiceProcess ingestor = start(processes, options, "feed-ingestor", env, as(KafkaAcls.FEED_INGESTOR, BenchFeed.ingestorConfig(feedKey, keys)),
                        logs, "192m");
                for (ServiceProcess service : List.of(audit, policy, ingestor)) {
                    service.awaitReady(Duration.ofSeconds(120));
                    pids.put(service.name(), service.pid());
                }

                Path fleetFile = work.resolve("fleet.txt");
                StringBuilder lines = new StringBuilder();
                fleet.forEach((tenant, count) -> lines.append(tenant).append(' ').append(count).append('\n'));
                Files.writeString(fleetFile, lines);
                Path fleetKafka = identities == null ? null : identities.clientConfig("bench-administrator", broker.administratorSettings());
                FleetProcess simulator = FleetProcess.start(options.home(), options.canaries(), options.applyLatency(), options.failureRate(),
                        broker.bootstrapServers(), fleetKafka, fleetFile, keys, work.resolve("fleet-state"), logs.resolve("fleet-simulator.log"));
                processes.add(simulator);
                pids.put("fleet-simulator (" + servers + " agents)", simulator.pid());
                PolicyApi policyApi = new PolicyApi(policy.baseUrl(), apiToken);
                List<ServiceProcess> realAgents = startRealAgents(processes, options, realAgentTenants, env, keys, work, policy.baseUrl(), apiToken);
                simulator.awaitLine("fleet ready", Duration.ofMinutes(3));
                for (ServiceProcess agent : realAgents) {
                    agent.awaitReady(Duration.ofSeconds(180));
                }
                if (!realAgents.isEmpty()) {
                    pids.put("real agent " + realAgentTenants.get(0) + "/" + REAL_AGENT, realAgents.get(0).pid());
                }
                Instant settle = Instant.now();
                awaitPolicyCaughtUp(kafka, Duration.ofMinutes(5));
                out.printf("fleet of %d servers and %d real agents reported; policy caught up in %.1f s%n", servers, realAgents.size(),
                        Duration.between(settle, Instant.now()).toMillis() / 1000.0);

                policyApi.setPolicy(UNBLOCK_TENANT, Map.of("blockedMitigations", List.of(MITIGATION)));
                // the rollout tenant takes part in the first mitigation only: the later ones must not wait on its stages
                policyApi.setPolicy(ROLLOUT_TENANT, Map.of("rollout", Map.of("canaryTag", "canary", "stagePercents", List.of(50, 100)),
                        "blockedMitigations", List.of(SECOND_MITIGATION, THIRD_MITIGATION, FOURTH_MITIGATION)));
                policyApi.awaitPolicy(UNBLOCK_TENANT, p -> p.path("blockedMitigations").toString().contains(MITIGATION));
                policyApi.awaitPolicy(ROLLOUT_TENANT, p -> p.path("rollout").has("stagePercents"));

                int regularExpected = regularServers + realAgents.size();
                try (FleetFollower follower = new FleetFollower(kafka, TENANT_PREFIX)) {
                    Predicate<String> regular = s -> s.startsWith(REGULAR_PREFIX);
                    // the first mitigation after a start: every JVM still compiling its hot paths, the broker writing
                    // to each command topic for the first time
                    long firstSent = feed.publish(ingestor.baseUrl(), apiToken, MITIGATION);
                    out.printf("pushed %s (first after start) to the feed-ingestor; following it to %d servers...%n", MITIGATION, regularExpected);
                    Map<String, Object> firstAfterStart = fleetMitigation(follower, audit, apiToken, MITIGATION, firstSent, regular, regularExpected);
                    result.put("firstMitigationAfterStart", firstAfterStart);
                    result.put("stagedRollout", stagedRollout(follower, firstSent, options));
                    result.put("unblockOneTenant", unblock(follower, policyApi, options));

                    // steady state: the same pipeline, its second mitigation
                    Map<String, Double> cpuBefore = new LinkedHashMap<>();
                    pids.forEach((name, pid) -> cpuBefore.put(name, Rss.cpuSecondsOfPid(pid)));
                    long sent = feed.publish(ingestor.baseUrl(), apiToken, SECOND_MITIGATION);
                    out.printf("pushed %s (steady state); following it to %d servers...%n", SECOND_MITIGATION, regularExpected);
                    Map<String, Object> steady = fleetMitigation(follower, audit, apiToken, SECOND_MITIGATION, sent, regular, regularExpected);
                    result.put("oneMitigation", steady);
                    Map<String, Object> processFigures = new LinkedHashMap<>();
                    pids.forEach((name, pid) -> processFigures.put(name, Map.of(
                            "cpuSecondsDuringMeasurement", BenchStats.round(Rss.cpuSecondsOfPid(pid) - cpuBefore.get(name)),
                            "cpuSecondsTotal", BenchStats.round(Rss.cpuSecondsOfPid(pid)), "peakRssMb", Rss.peakOfPid(pid) / 1024)));
                    result.put("processes", processFigures);

                    // bare Kafka with the records the pipeline just moved, while the fleet idles as it did then
                    Map<String, Object> raw = new LinkedHashMap<>();
                    result.put("rawKafka", raw);
                    Map<String, Object> idle = rawKafka(kafka, regularTenants.size(), regularServers, follower);
                    raw.put("withFleetIdle", idle);

                    result.put("offlineComeBack", offlineComeBack(follower, feed, ingestor, apiToken, simulator, options, regularExpected));

                    // the policy service alone restarted on its state (a rolling restart, a crash), every other process warm
                    out.println("restarting the policy service alone...");
                    long stopping = System.currentTimeMillis();
                    policy.close();
                    // a log of its own: the first instance's log is what shows how the runs before went
                    policy = start(processes, options, "policy-service", env, policyConfig, logs.resolve("restarted"), "768m");
                    policy.awaitReady(Duration.ofSeconds(180));
                    long restartMs = System.currentTimeMillis() - stopping;
                    long afterRestart = feed.publish(ingestor.baseUrl(), apiToken, FOURTH_MITIGATION);
                    out.printf("policy service ready again in %.1f s; pushed %s; following it to %d servers...%n", restartMs / 1000.0, FOURTH_MITIGATION,
                            regularExpected);
                    Map<String, Object> afterPolicyRestart = fleetMitigation(follower, audit, apiToken, FOURTH_MITIGATION, afterRestart, regular, regularExpected);
                    afterPolicyRestart.put("policyStopToReadyMs", restartMs);
                    result.put("firstMitigationAfterPolicyRestart", afterPolicyRestart);
                    result.put("agentFootprint", realAgents.isEmpty() ? "no real agent (--real-agents=0)"
                            : agentFootprint(follower, realAgents.get(0), realAgentTenants.get(0), options));

                    // and once the fleet is gone (its consumers, fsyncs and timers share these two cores): what Kafka alone does here
                    closeQuietly(simulator);
                    ServiceProcess.stopAll(realAgents);
                    Map<String, Object> alone = rawKafka(kafka, regularTenants.size(), regularServers, follower);
                    raw.put("fleetStopped", alone);
                    // the same records into one command and one result topic: what the per-tenant layout costs
                    raw.put("twoTopics", rawKafka(kafka, 1, regularServers, follower));
                    // the faster of the two is the denominator: the stricter comparison for the pipeline
                    boolean idleFaster = ((Number) idle.get("fleetTimeMs")).longValue() < ((Number) alone.get("fleetTimeMs")).longValue();
                    Map<String, Object> denominator = idleFaster ? idle : alone;
                    raw.put("denominator", idleFaster ? "withFleetIdle" : "fleetStopped");
                    compareWithRaw(firstAfterStart, denominator);
                    compareWithRaw(steady, denominator);
                    compareWithRaw(afterPolicyRestart, denominator);
                }
            } finally {
                stopAll(processes);
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
        }
        Files.createDirectories(options.out().toAbsolutePath().getParent());
        Path chart = BenchChart.write(options.out(), "Tourniquet bench, " + result.get("startedAt").toString().substring(0, 16) + " UTC",
                String.format("%d servers in %d tenants (%d real agents); %s; %s", servers, tenants.size(), realAgentTenants.size(),
                        result.get("kafka"), result.get("kafkaSecurity")), BenchChart.rows(result));
        result.put("chart", chart.getFileName().toString());
        Files.writeString(options.out(), JSON.writeValueAsString(result));
        return result;
    }

    /** Follows one mitigation pushed at {@code sent} to these servers until each has a result and the audit stored it. */
    private static Map<String, Object> fleetMitigation(FleetFollower follower, ServiceProcess audit, Supplier<String> apiToken, String mitigation, long sent, Predicate<String> servers,
            int expected) throws Exception {
        boolean complete = follower.awaitResults(mitigation, servers, expected, STEP_TIMEOUT);
        long auditDone = awaitAudit(audit, apiToken, mitigation, follower.applied(mitigation, servers).size(), Duration.ofMinutes(5));
        long published = follower.awaitPublished(mitigation, Duration.ofSeconds(10));
        Map<String, Long> commanded = follower.commanded(mitigation, servers);
        Map<String, Long> applied = follower.applied(mitigation, servers);
        Map<String, Long> failed = follower.failed(mitigation, servers);
        // visible to a reader from the moment one saw it: the bench's follower, or the agent itself when its result came first
        Map<String, Long> commandSeen = new HashMap<>(follower.commandSeen(mitigation, servers));
        applied.forEach((server, at) -> commandSeen.computeIfPresent(server, (s, seen) -> Math.min(seen, at)));
        long firstCommand = commanded.values().stream().mapToLong(Long::longValue).min().orElse(published);
        long lastCommand = commanded.values().stream().mapToLong(Long::longValue).max().orElse(published);
        long firstResult = applied.values().stream().mapToLong(Long::longValue).min().orElse(published);
        long lastResult = Stream.concat(applied.values().stream(), failed.values().stream()).mapToLong(Long::longValue).max().orElse(published);

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mitigation", mitigation);
        m.put("servers", expected);
        m.put("complete", complete);
        m.put("commanded", commanded.size());
        m.put("applied", applied.size());
        m.put("failed", failed.size());
        m.put("timeToMitigateMs", BenchStats.percentiles(applied.values().stream().map(t -> t - sent).toList()));
        m.put("realAgents", Map.of("timeToMitigateMs", BenchStats.percentiles(applied.entrySet().stream()
                .filter(e -> e.getKey().endsWith("/" + REAL_AGENT)).map(e -> e.getValue() - sent).toList())));
        Map<String, Object> stages = new LinkedHashMap<>();
        stages.put("ingestMs", published - sent);
        stages.put("policyFanOutMs", BenchStats.percentiles(commandSeen.values().stream().map(t -> t - published).toList()));
        List<Long> apply = new ArrayList<>();
        applied.forEach((server, at) -> {
            Long command = commandSeen.get(server);
            if (command != null) {
                apply.add(at - command);
            }
        });
        stages.put("agentApplyMs", BenchStats.percentiles(apply));
        stages.put("auditStoredMs", auditDone < 0 ? "timed out" : auditDone - lastResult);
        m.put("stages", stages);
        Map<String, Object> throughput = new LinkedHashMap<>();
        throughput.put("policyCommandsPerSecond", BenchStats.rate(commanded.size(), lastCommand - published));
        throughput.put("agentResultsPerSecond", BenchStats.rate(applied.size() + failed.size(), lastResult - firstCommand));
        double pipeline = BenchStats.rate(applied.size() + failed.size(), lastResult - sent);
        throughput.put("pipelineServersPerSecond", pipeline);
        if (auditDone > 0) {
            throughput.put("auditAppliedRowsPerSecond", BenchStats.rate(applied.size(), auditDone - firstResult));
        }
        m.put("throughput", throughput);
        return m;
    }

    private Map<String, Object> rawKafka(KafkaClients kafka, int tenants, int servers, FleetFollower follower) throws Exception {
        Map<String, Object> raw = RawKafkaBaseline.measure(kafka, tenants, servers, follower.meanCommandBytes(), follower.meanResultBytes());
        out.printf("raw Kafka: %s%n", raw);
        return raw;
    }

    /** The mitigation's figures beside bare Kafka's of the same run: its time as a multiple, its throughput as a share. */
    @SuppressWarnings("unchecked")
    private static void compareWithRaw(Map<String, Object> mitigation, Map<String, Object> raw) {
        double rawMs = ((Number) raw.get("fleetTimeMs")).doubleValue();
        Map<String, Object> times = (Map<String, Object>) mitigation.get("timeToMitigateMs");
        Map<String, Object> multiples = new LinkedHashMap<>();
        for (String p : List.of("p50", "p95", "p99", "max")) {
            if (times.get(p) instanceof Number n) {
                multiples.put(p, BenchStats.round(n.doubleValue() / rawMs));
            }
        }
        mitigation.put("timeToMitigateAsMultipleOfRawKafka", multiples);
        Map<String, Object> throughput = (Map<String, Object>) mitigation.get("throughput");
        double pipeline = ((Number) throughput.get("pipelineServersPerSecond")).doubleValue();
        throughput.put("pipelineShareOfRawKafkaPercent", BenchStats.round(100 * pipeline / ((Number) raw.get("serversPerSecond")).doubleValue()));
    }

    /** The rollout tenant got the first mitigation in stages: canaries, half, all. */
    private static Map<String, Object> stagedRollout(FleetFollower follower, long sent, Options options) {
        Predicate<String> tenant = s -> s.startsWith(ROLLOUT_TENANT + "/");
        boolean complete = follower.awaitResults(MITIGATION, tenant, options.scenarioServers(), STEP_TIMEOUT);
        List<Long> applied = follower.applied(MITIGATION, tenant).values().stream().map(t -> t - sent).sorted().toList();
        Map<String, Long> commanded = follower.commanded(MITIGATION, tenant);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("tenant", ROLLOUT_TENANT);
        r.put("servers", options.scenarioServers());
        r.put("stages", "canary (" + Math.min(options.canaries(), options.scenarioServers()) + " tagged) -> 50 % -> 100 %");
        r.put("complete", complete);
        r.put("applied", applied.size());
        r.put("commandWaves", waves(commanded.values().stream().map(t -> t - sent).sorted().toList()));
        Predicate<String> canary = s -> Integer.parseInt(s.substring(s.lastIndexOf("/exch") + 5)) < options.canaries();
        long canariesDone = follower.applied(MITIGATION, tenant.and(canary)).values().stream().mapToLong(Long::longValue).max().orElse(Long.MAX_VALUE);
        long othersFirstCommanded = commanded.entrySet().stream().filter(e -> !canary.test(e.getKey())).mapToLong(Map.Entry::getValue).min().orElse(Long.MAX_VALUE);
        r.put("othersCommandedAfterCanariesApplied", othersFirstCommanded >= canariesDone);
        if (!applied.isEmpty()) {
            r.put("canariesAppliedMs", applied.get(Math.min(options.canaries(), applied.size()) - 1));
            r.put("halfAppliedMs", applied.get(Math.max(1, applied.size() / 2) - 1));
            r.put("allAppliedMs", applied.get(applied.size() - 1));
        }
        return r;
    }

    /** Groups sorted times into waves separated by more than 300 ms: the stages as the agents saw them. */
    static List<Map<String, Long>> waves(List<Long> sorted) {
        List<Map<String, Long>> waves = new ArrayList<>();
        long start = -1;
        long last = -1;
        long count = 0;
        for (long t : sorted) {
            if (start >= 0 && t - last > 300) {
                waves.add(Map.of("fromMs", start, "toMs", last, "commands", count));
                start = -1;
            }
            if (start < 0) {
                start = t;
                count = 0;
            }
            last = t;
            count++;
        }
        if (start >= 0) {
            waves.add(Map.of("fromMs", start, "toMs", last, "commands", count));
        }
        return waves;
    }

    private Map<String, Object> unblock(FleetFollower follower, PolicyApi policyApi, Options options) throws Exception {
        Predicate<String> tenant = s -> s.startsWith(UNBLOCK_TENANT + "/");
        int commandedWhileBlocked = follower.commanded(MITIGATION, tenant).size();
        long requested = System.currentTimeMillis();
        policyApi.unblock(UNBLOCK_TENANT, MITIGATION);
        out.printf("unblocked %s for %s (%d servers)...%n", MITIGATION, UNBLOCK_TENANT, options.scenarioServers());
        boolean complete = follower.awaitResults(MITIGATION, tenant, options.scenarioServers(), STEP_TIMEOUT);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("tenant", UNBLOCK_TENANT);
        r.put("servers", options.scenarioServers());
        r.put("commandedWhileBlocked", commandedWhileBlocked);
        r.put("complete", complete);
        r.put("timeToMitigateMs",
                BenchStats.percentiles(follower.applied(MITIGATION, tenant).values().stream().map(t -> t - requested).toList()));
        return r;
    }

    /** A share of the regular servers goes offline, a second mitigation is published, then they come back. */
    private Map<String, Object> offlineComeBack(FleetFollower follower, BenchFeed feed, ServiceProcess ingestor, Supplier<String> apiToken, FleetProcess simulator,
            Options options, int regularServers) throws Exception {
        Predicate<String> targeted = s -> !s.startsWith(ROLLOUT_TENANT + "/");
        int targetedServers = regularServers + options.scenarioServers();
        // the simulator closes these tenants' consumers; they rejoin their groups and fetch when they come back
        long offline = simulator.takeOffline(options.offlineShare(), REGULAR_PREFIX);
        long sent = feed.publish(ingestor.baseUrl(), apiToken, THIRD_MITIGATION);
        out.printf("%d servers offline; pushed %s; waiting for the %d online ones...%n", offline, THIRD_MITIGATION, targetedServers - offline);
        boolean onlineDone = follower.awaitResults(THIRD_MITIGATION, targeted, targetedServers - offline, STEP_TIMEOUT);
        Map<String, Long> before = follower.applied(THIRD_MITIGATION, targeted);
        long onlineAt = System.currentTimeMillis();
        simulator.bringOnline();
        boolean complete = follower.awaitResults(THIRD_MITIGATION, targeted, targetedServers, STEP_TIMEOUT);
        List<Long> cameBack = follower.applied(THIRD_MITIGATION, targeted).entrySet().stream().filter(e -> !before.containsKey(e.getKey()))
                .map(e -> e.getValue() - onlineAt).toList();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("servers", targetedServers);
        r.put("offline", offline);
        r.put("onlineServersDone", onlineDone);
        r.put("onlineTimeToMitigateMs", BenchStats.percentiles(before.values().stream().map(t -> t - sent).toList()));
        r.put("complete", complete);
        r.put("cameBackTimeToMitigateMs", BenchStats.percentiles(cameBack));
        return r;
    }

    /** The first regular tenants, one real applier-agent process each. */
    static List<String> realAgentTenants(Options options) {
        List<String> tenants = new ArrayList<>();
        for (int t = 1; t <= Math.min(options.realAgents(), options.tenants()); t++) {
            tenants.add(String.format("%s%04d", TENANT_PREFIX, t));
        }
        return tenants;
    }

    /**
     * Real applier-agent processes in the fleet, one server each, configured as ./tourniquet up runs them (64 MB heap,
     * their own Kafka principal): enrolled through the policy API, started together; readiness is awaited by the caller.
     */
    private List<ServiceProcess> startRealAgents(List<AutoCloseable> processes, Options options, List<String> tenants, Map<String, String> env, Path keys,
            Path work, String policyUrl, Supplier<String> apiToken) throws Exception {
        List<ServiceProcess> agents = new ArrayList<>();
        for (String tenant : tenants) {
            Path state = work.resolve("state/real-agent-" + tenant);
            RealAgent.enrol(policyUrl, tenant, REAL_AGENT, state, apiToken.get());
            ServiceProcess agent = ServiceProcess.start("applier-agent-" + tenant, jar(options, "applier-agent"), EmbeddedKafkaBroker.freePort(), env,
                    as(KafkaAcls.agent(tenant), timersInTheIdleWindow(RealAgent.config(tenant, REAL_AGENT, keys, state))), work.resolve("logs"), "64m");
            processes.add(agent);
            agents.add(agent);
        }
        out.printf("started %d real agents%n", agents.size());
        return agents;
    }

    /**
     * The drift check (5 min by default) and the inventory report (15 min) brought into the footprint's idle window: the
     * idle CPU figure then includes them, at more than their default rate (an upper bound).
     */
    private static Map<String, String> timersInTheIdleWindow(Map<String, String> config) {
        Map<String, String> all = new HashMap<>(config);
        all.put("tourniquet.agent.drift.check-interval", "30s");
        all.put("tourniquet.agent.inventory-interval", "60s");
        return all;
    }

    /** One real agent process, one server, after it applied what its tenant has: CPU and RSS while idle. */
    private Map<String, Object> agentFootprint(FleetFollower follower, ServiceProcess agent, String tenant, Options options) throws Exception {
        Predicate<String> self = s -> s.equals(tenant + "/" + REAL_AGENT);
        boolean applied = true;
        for (String mitigation : List.of(MITIGATION, SECOND_MITIGATION, THIRD_MITIGATION, FOURTH_MITIGATION)) {
            applied &= follower.awaitResults(mitigation, self, 1, Duration.ofMinutes(2));
        }
        out.printf("real agent applied the four mitigations: %s; idle for %d s...%n", applied, options.agentIdle().toSeconds());
        double cpuBefore = Rss.cpuSecondsOfPid(agent.pid());
        long start = System.nanoTime();
        Thread.sleep(options.agentIdle().toMillis()); // the measurement is the idle time itself
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = Rss.cpuSecondsOfPid(agent.pid()) - cpuBefore;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("appliedEveryMitigation", applied);
        r.put("idleSeconds", BenchStats.round(seconds));
        r.put("cpuSeconds", Math.round(cpu * 100) / 100.0);
        r.put("cpuPercentOfOneCore", Math.round(10_000 * cpu / seconds) / 100.0);
        r.put("rssMb", agent.rssKb() / 1024);
        r.put("peakRssMb", Rss.peakOfPid(agent.pid()) / 1024);
        r.put("maxHeap", "64m (as ./tourniquet up runs agents)");
        return r;
    }

    /** Which machine and how busy it was: times differ by 2x between machines of one kind. */
    static Map<String, Object> machine() throws Exception {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("java", System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        Path loadavg = Path.of("/proc/loadavg");
        // "0.52 0.58 0.59 1/301 12345": the first three are the 1, 5 and 15 minute averages
        machine.put("loadAverageBefore", Files.exists(loadavg) ? String.join(" ", List.of(Files.readString(loadavg).strip().split("\\s+")).subList(0, 3))
                : "unknown");
        return machine;
    }

    private Map<String, Object> auditIngest(Options options, Map<String, String> env, Path logs, String label, Map<String, String> database) throws Exception {
        Map<String, String> config = new HashMap<>(database);
        // its own consumer groups: the pipeline's audit service later reads everything again
        for (String channel : new String[] {"\"" + Topics.AUDIT + "\"", "agent-events", "\"" + Topics.MITIGATIONS + "\""}) {
            // under the audit service's group prefix: its principal may use no other groups
            config.put("mp.messaging.incoming." + channel + ".group.id", KafkaAcls.AUDIT_GROUP_PREFIX + "bench-ingest-" + label + "-"
                    + channel.replace("\"", ""));
        }
        config.putAll(as(KafkaAcls.AUDIT_SERVICE, Map.of()));
        try (ServiceProcess audit = ServiceProcess.start("audit-ingest-" + label, jar(options, "audit-service"), EmbeddedKafkaBroker.freePort(), env,
                config, logs, "512m", options.serviceJvm())) {
            audit.awaitReady(Duration.ofSeconds(120));
            Map<String, Object> figures = AuditIngestBench.measure(audit, label, options.auditEvents(), Duration.ofMinutes(10));
            figures.put("peakRssMb", Rss.peakOfPid(audit.pid()) / 1024);
            out.printf("audit ingest into %s: %s%n", label, figures);
            return figures;
        }
    }

    /** The audit ingest into a schema of its own, counted there over JDBC before it is dropped. */
    private Map<String, Object> postgresIngest(Options options, Map<String, String> env, Path logs) throws Exception {
        try (PostgresSchema schema = PostgresSchema.fresh(options.postgresUrl(), POSTGRES_USER, "bench_")) {
            Map<String, Object> figures = auditIngest(options, env, logs, "postgresql", schema.auditConfig());
            figures.put("schema", schema.name());
            figures.put("rowsInPostgres", schema.count("audit_event"));
            return figures;
        }
    }

    /** The service's configuration plus, on the secured broker, its own principal (a config file it is started with). */
    private Map<String, String> as(String principal, Map<String, String> config) {
        if (identities == null) {
            return config;
        }
        Map<String, String> all = new HashMap<>(config);
        all.put("quarkus.config.locations", identities.clientConfig(principal).toAbsolutePath().toString());
        return all;
    }

    private static ServiceProcess start(List<AutoCloseable> processes, Options options, String module, Map<String, String> env,
            Map<String, String> config, Path logs, String heap) {
        ServiceProcess service = ServiceProcess.start(module, jar(options, module), EmbeddedKafkaBroker.freePort(), env, config, logs, heap,
                options.serviceJvm());
        processes.add(service);
        return service;
    }

    private static void provision(KafkaClients kafka, List<TopicSpec> specs) throws Exception {
        try (TopicProvisioner provisioner = new TopicProvisioner(kafka, Duration.ofMinutes(5))) {
            provisioner.ensure(specs);
        }
    }

    /**
     * As ServiceProcess.stopAll, for the run's services among what else it closes: each is asked to stop at once, then
     * everything is closed in its order, so that what must wait for a process (the audit schema) still comes after it.
     */
    private static void stopAll(List<AutoCloseable> processes) {
        processes.stream().filter(ServiceProcess.class::isInstance).map(ServiceProcess.class::cast).forEach(ServiceProcess::requestStop);
        processes.forEach(Bench::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable process) {
        try {
            process.close();
        } catch (Exception e) {
            // best effort: the others must still be stopped
        }
    }

    /** Waits until the policy service has read every agent event (its group has no lag on them): all inventories are in. */
    static void awaitPolicyCaughtUp(KafkaClients kafka, Duration timeout) throws Exception {
        try (Admin admin = kafka.admin(Map.of())) {
            boolean caughtUp = Polling.until(timeout, Duration.ofMillis(500), () -> {
                var committed = admin.listConsumerGroupOffsets("tourniquet-policy-service").partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                committed.keySet().stream().filter(tp -> tp.topic().startsWith(Topics.AGENT_EVENTS_PREFIX) || tp.topic().equals(Topics.POLICY_SERVER_EVENTS))
                        .forEach(tp -> latest.put(tp, OffsetSpec.latest()));
                if (latest.isEmpty()) {
                    return Optional.empty();
                }
                var ends = admin.listOffsets(latest).all().get();
                long lag = ends.entrySet().stream().mapToLong(e -> e.getValue().offset() - committed.get(e.getKey()).offset()).sum();
                boolean allTopics = committed.keySet().stream().anyMatch(tp -> tp.topic().equals(Topics.POLICY_SERVER_EVENTS));
                return lag == 0 && allTopics ? Optional.of(true) : Optional.empty();
            }).isPresent();
            if (!caughtUp) {
                throw new IllegalStateException("policy-service did not catch up with the fleet's inventories within " + timeout);
            }
        }
    }

    /** When the audit service has stored an applied row for every server that applied; -1 on timeout. */
    private static long awaitAudit(ServiceProcess audit, Supplier<String> apiToken, String mitigation, int applied, Duration timeout) throws Exception {
        // each poll reads every state row of the mitigation: not more often than every 500 ms
        return Polling.until(timeout, Duration.ofMillis(500), () -> {
            var response = HTTP.send(HttpRequest.newBuilder(URI.create(audit.baseUrl() + "/api/v1/state?mitigation=" + mitigation))
                            .header("Authorization", "Bearer " + apiToken.get()).build(),
                    HttpResponse.BodyHandlers.ofString());
            long stored = 0;
            for (JsonNode s : JSON.readTree(response.body())) {
                stored += s.path("state").asText().equals("APPLIED") && s.path("tenantId").asText().startsWith(REGULAR_PREFIX) ? 1 : 0;
            }
            return stored >= applied ? Optional.of(System.currentTimeMillis()) : Optional.empty();
        }).orElse(-1L);
    }

    private static Map<String, String> definitions(String... keysAndMeanings) {
        Map<String, String> definitions = new LinkedHashMap<>();
        for (int i = 0; i < keysAndMeanings.length; i += 2) {
            definitions.put(keysAndMeanings[i], keysAndMeanings[i + 1]);
        }
        return definitions;
    }

    private static Path jar(Options options, String module) {
        return ServiceProcess.packagedJar(options.home(), module);
    }
}
