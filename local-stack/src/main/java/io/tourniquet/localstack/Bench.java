package io.tourniquet.localstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.FeedEvidence;
import io.tourniquet.schemas.FeedKind;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.MitigationFailed;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.RequestCondition;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.serde.AvroSerializer;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import java.io.IOException;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * ./tourniquet bench: the whole pipeline on a fresh embedded broker — policy-service and audit-service as packaged,
 * a simulated fleet of real agent code — and one new mitigation published; prints time to mitigate every server
 * (p50/p95/p99/max), the split per stage, each stage's throughput, the raw Kafka produce → consume rate for records of
 * the same size on the same broker, and CPU and peak RSS of each process; writes the figures as JSON.
 */
public final class Bench {

    /** What to run; {@code out}: where the JSON figures go. */
    public record Options(Path home, int tenants, int serversPerTenant, int recordSize, Duration applyLatency, double failureRate,
            String postgresUrl, Path out) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String MITIGATION = "BENCH1";
    private final PrintStream out;

    public Bench(PrintStream out) {
        this.out = out;
    }

    public static Options parse(Path home, List<String> args) {
        Map<String, String> o = Args.options(args);
        return new Options(home, Integer.parseInt(o.getOrDefault("--tenants", "500")), Integer.parseInt(o.getOrDefault("--servers", "20")),
                Integer.parseInt(o.getOrDefault("--record-size", "0")), Duration.ofMillis(Long.parseLong(o.getOrDefault("--apply-latency-ms", "0"))),
                Double.parseDouble(o.getOrDefault("--failure-rate", "0")), o.get("--postgres"),
                Path.of(o.getOrDefault("--out", home.resolve("bench-results").resolve("bench-" + Instant.now().toString().replace(':', '-') + ".json").toString())));
    }

    public Map<String, Object> run(Options options) throws Exception {
        int servers = options.tenants() * options.serversPerTenant();
        Path work = Files.createTempDirectory("tourniquet-bench");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("startedAt", Instant.now().toString());
        result.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(), "java", System.getProperty("java.version")));
        result.put("fleet", Map.of("tenants", options.tenants(), "serversPerTenant", options.serversPerTenant(), "servers", servers,
                "applyLatencyMs", options.applyLatency().toMillis(), "failureRate", options.failureRate()));
        List<String> tenants = tenants(options.tenants());
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), 0)) {
            String kafka = broker.bootstrapServers();
            out.printf("broker %s; creating topics for %d tenants...%n", kafka, tenants.size());
            List<TopicSpec> specs = new ArrayList<>(Topics.central());
            tenants.forEach(t -> specs.addAll(Topics.tenant(t)));
            try (TopicProvisioner provisioner = new TopicProvisioner(kafka, Duration.ofMinutes(5))) {
                provisioner.ensure(specs);
            }
            Path keys = LocalStack.ensurePolicyKeys(work.resolve("keys"));
            Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka, "TOURNIQUET_STATE_DIR", work.resolve("state").toString());
            List<AutoCloseable> processes = new java.util.concurrent.CopyOnWriteArrayList<>();
            // Ctrl-C or a timeout must not leave the services and the fleet running
            Thread cleanup = new Thread(() -> processes.forEach(Bench::closeQuietly), "bench-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.put("bench+kafka", ProcessHandle.current().pid());
            try {
                Map<String, String> auditConfig = new HashMap<>(Map.of("tourniquet.audit.embedded-dir", work.resolve("audit-db").toString()));
                if (options.postgresUrl() != null) {
                    auditConfig.put("tourniquet.audit.jdbc-url", options.postgresUrl());
                    auditConfig.put("tourniquet.audit.jdbc-user", "postgres");
                    auditConfig.put("tourniquet.audit.jdbc-schema", "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10));
                }
                ServiceProcess audit = ServiceProcess.start("audit-service", jar(options, "audit-service"), EmbeddedKafkaBroker.freePort(), env, auditConfig,
                        work.resolve("logs"), "512m");
                processes.add(audit);
                ServiceProcess policy = ServiceProcess.start("policy-service", jar(options, "policy-service"), EmbeddedKafkaBroker.freePort(), env, Map.of(
                        "tourniquet.policy.signing-key-file", keys.resolve("policy-signing.key").toString(),
                        "tourniquet.policy.signing-public-key-file", keys.resolve("policy-signing.pub").toString()), work.resolve("logs"), "768m");
                processes.add(policy);
                audit.awaitReady(Duration.ofSeconds(120));
                policy.awaitReady(Duration.ofSeconds(120));
                pids.put("audit-service", audit.pid());
                pids.put("policy-service", policy.pid());

                result.put("rawKafka", rawKafka(kafka, Math.max(200, options.recordSize() > 0 ? options.recordSize() : 600), Math.max(20_000, servers * 2)));

                Process fleet = startFleet(options, kafka, keys.resolve("policy-signing.pub"), work.resolve("logs/fleet-simulator.log"));
                processes.add(fleet::destroy);
                pids.put("fleet-simulator (" + servers + " agents)", fleet.pid());
                awaitLine(work.resolve("logs/fleet-simulator.log"), "fleet ready", Duration.ofMinutes(3));
                Instant settle = Instant.now();
                awaitPolicyCaughtUp(kafka, Duration.ofMinutes(5));
                out.printf("fleet of %d servers reported; policy caught up in %.1f s%n", servers, Duration.between(settle, Instant.now()).toMillis() / 1000.0);

                Map<String, Double> cpuBefore = new LinkedHashMap<>();
                pids.forEach((name, pid) -> cpuBefore.put(name, Rss.cpuSecondsOfPid(pid)));
                result.put("oneMitigation", measure(kafka, audit, servers, options));
                Map<String, Object> processFigures = new LinkedHashMap<>();
                pids.forEach((name, pid) -> processFigures.put(name, Map.of(
                        "cpuSecondsDuringMeasurement", round(Rss.cpuSecondsOfPid(pid) - cpuBefore.get(name)),
                        "cpuSecondsTotal", round(Rss.cpuSecondsOfPid(pid)), "peakRssMb", Rss.peakOfPid(pid) / 1024)));
                result.put("processes", processFigures);
            } finally {
                processes.forEach(Bench::closeQuietly);
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
        }
        Files.createDirectories(options.out().toAbsolutePath().getParent());
        Files.writeString(options.out(), JSON.writeValueAsString(result));
        return result;
    }

    /** Publishes one mitigation for every server and follows it through commands, agent results and audit rows. */
    private Map<String, Object> measure(String kafka, ServiceProcess audit, int servers, Options options) throws Exception {
        Pattern commandTopics = Pattern.compile(Pattern.quote(Topics.COMMANDS_PREFIX) + "fleet-.*");
        Pattern eventTopics = Pattern.compile(Pattern.quote(Topics.AGENT_EVENTS_PREFIX) + "fleet-.*");
        Map<String, Long> commandAt = new HashMap<>();
        Map<String, Long> appliedAt = new HashMap<>();
        Map<String, Long> failedAt = new HashMap<>();
        try (var consumer = new KafkaConsumer<String, byte[]>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.listTopics(Duration.ofSeconds(30)).forEach((topic, infos) -> {
                if (commandTopics.matcher(topic).matches() || eventTopics.matcher(topic).matches()) {
                    infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
                }
            });
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);

            MitigationPublished mitigation = mitigation(options.recordSize());
            long t0 = System.currentTimeMillis();
            try (var producer = new KafkaProducer<String, org.apache.avro.specific.SpecificRecord>(Map.<String, Object>of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka, ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new AvroSerializer())) {
                producer.send(new ProducerRecord<>(Topics.MITIGATIONS, null, t0, MITIGATION, mitigation)).get(30, TimeUnit.SECONDS);
            }
            out.printf("published %s at %s; following it to %d servers...%n", MITIGATION, Instant.ofEpochMilli(t0), servers);
            long deadline = System.currentTimeMillis() + Duration.ofMinutes(10).toMillis();
            while (appliedAt.size() + failedAt.size() < servers && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String server = Topics.tenantOf(r.topic()) + "/" + r.key();
                    Object value;
                    try {
                        value = AvroCodec.get().decode(r.value());
                    } catch (RuntimeException e) {
                        continue;
                    }
                    if (value instanceof SignedCommand) {
                        commandAt.putIfAbsent(server, r.timestamp());
                    } else if (value instanceof MitigationApplied a && a.getCommand().getMitigationId().equals(MITIGATION)) {
                        appliedAt.putIfAbsent(server, r.timestamp());
                    } else if (value instanceof MitigationFailed f && f.getCommand().getMitigationId().equals(MITIGATION)) {
                        failedAt.putIfAbsent(server, r.timestamp());
                    } else if (value instanceof io.tourniquet.schemas.MitigationSkipped k && k.getCommand() != null
                            && k.getCommand().getMitigationId().equals(MITIGATION)) {
                        failedAt.putIfAbsent(server, r.timestamp()); // refused by the agent: counted with the failures
                    }
                }
            }
            long lastResult = java.util.stream.Stream.concat(appliedAt.values().stream(), failedAt.values().stream()).mapToLong(Long::longValue).max().orElse(t0);
            long auditDone = awaitAudit(audit, appliedAt.size(), Duration.ofMinutes(5));

            Map<String, Object> m = new LinkedHashMap<>();
            m.put("servers", servers);
            m.put("commanded", commandAt.size());
            m.put("applied", appliedAt.size());
            m.put("failed", failedAt.size());
            m.put("timeToMitigateMs", percentiles(appliedAt.values().stream().map(t -> t - t0).toList()));
            Map<String, Object> stages = new LinkedHashMap<>();
            stages.put("ingest", "not measured: the bench publishes to tourniquet.mitigations itself (the feed ingestor's verification is not in the path)");
            stages.put("policyFanOutMs", percentiles(commandAt.values().stream().map(t -> t - t0).toList()));
            List<Long> apply = new ArrayList<>();
            appliedAt.forEach((server, at) -> {
                Long commanded = commandAt.get(server);
                if (commanded != null) {
                    apply.add(at - commanded);
                }
            });
            stages.put("agentApplyMs (command written -> result written)", percentiles(apply));
            stages.put("auditStoredMs (last result -> every applied row stored)", auditDone < 0 ? "timed out" : auditDone - lastResult);
            m.put("stages", stages);
            Map<String, Object> throughput = new LinkedHashMap<>();
            long lastCommand = commandAt.values().stream().mapToLong(Long::longValue).max().orElse(t0);
            throughput.put("policyCommandsPerSecond", rate(commandAt.size(), lastCommand - t0));
            throughput.put("agentResultsPerSecond", rate(appliedAt.size() + failedAt.size(), lastResult - commandAt.values().stream().mapToLong(Long::longValue).min().orElse(t0)));
            throughput.put("pipelineServersPerSecond (publish -> last result)", rate(appliedAt.size() + failedAt.size(), lastResult - t0));
            if (auditDone > 0) {
                throughput.put("auditAppliedRowsPerSecond", rate(appliedAt.size(), auditDone - appliedAt.values().stream().mapToLong(Long::longValue).min().orElse(t0)));
            }
            m.put("throughput", throughput);
            return m;
        }
    }

    private static void closeQuietly(AutoCloseable process) {
        try {
            process.close();
        } catch (Exception e) {
            // best effort: the others must still be stopped
        }
    }

    private static Map<String, Object> percentiles(Collection<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("count", sorted.size());
        if (!sorted.isEmpty()) {
            p.put("p50", rank(sorted, 50));
            p.put("p95", rank(sorted, 95));
            p.put("p99", rank(sorted, 99));
            p.put("max", sorted.get(sorted.size() - 1));
        }
        return p;
    }

    private static long rank(List<Long> sorted, double percentile) {
        return sorted.get(Math.max(1, (int) Math.ceil(percentile / 100 * sorted.size())) - 1);
    }

    private static double rate(long count, long millis) {
        return round(count * 1000.0 / Math.max(1, millis));
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    /** Raw Kafka on the same broker: produce then consume this many records of this size (acks=all, idempotent, as the services). */
    private Map<String, Object> rawKafka(String kafka, int size, int count) throws Exception {
        String topic = "bench.raw";
        try (TopicProvisioner provisioner = new TopicProvisioner(kafka, Duration.ofSeconds(30))) {
            provisioner.ensure(List.of(TopicSpec.retained(topic, Topics.DEFAULT_PARTITIONS, Duration.ofHours(1))));
        }
        byte[] payload = new byte[size];
        new java.util.Random(1).nextBytes(payload);
        long start = System.nanoTime();
        try (var producer = new KafkaProducer<String, byte[]>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + (i % 1000), payload));
            }
            producer.flush();
        }
        double produceSeconds = (System.nanoTime() - start) / 1e9;
        long consumeStart = System.nanoTime();
        int read = 0;
        try (var consumer = new KafkaConsumer<String, byte[]>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (read < count) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
        double consumeSeconds = (System.nanoTime() - consumeStart) / 1e9;
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("records", count);
        raw.put("recordBytes", size);
        raw.put("producePerSecond", round(count / produceSeconds));
        raw.put("consumePerSecond", round(count / consumeSeconds));
        raw.put("produceThenConsumePerSecond", round(count / (produceSeconds + consumeSeconds)));
        out.printf("raw Kafka: %d records of %d bytes: produce %.0f/s, consume %.0f/s%n", count, size, count / produceSeconds, count / consumeSeconds);
        return raw;
    }

    /** Waits until the policy service has read every agent event (its group has no lag on them): all inventories are in. */
    private void awaitPolicyCaughtUp(String kafka, Duration timeout) throws Exception {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
            while (System.currentTimeMillis() < deadline) {
                var committed = admin.listConsumerGroupOffsets("tourniquet-policy-service").partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                committed.keySet().stream().filter(tp -> tp.topic().startsWith(Topics.AGENT_EVENTS_PREFIX) || tp.topic().equals(Topics.POLICY_SERVER_EVENTS))
                        .forEach(tp -> latest.put(tp, OffsetSpec.latest()));
                if (!latest.isEmpty()) {
                    var ends = admin.listOffsets(latest).all().get();
                    long lag = ends.entrySet().stream().mapToLong(e -> e.getValue().offset() - committed.get(e.getKey()).offset()).sum();
                    boolean allTopics = committed.keySet().stream().anyMatch(tp -> tp.topic().equals(Topics.POLICY_SERVER_EVENTS));
                    if (lag == 0 && allTopics) {
                        return;
                    }
                }
                Thread.sleep(500); // polling a consumer group's lag; not test code
            }
        }
        throw new IllegalStateException("policy-service did not catch up with the fleet's inventories within " + timeout);
    }

    /** When the audit service has stored an applied row for every server that applied; -1 on timeout. */
    private static long awaitAudit(ServiceProcess audit, int applied, Duration timeout) throws Exception {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            var response = HTTP.send(HttpRequest.newBuilder(URI.create(audit.baseUrl() + "/api/v1/state?mitigation=" + MITIGATION)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode states = JSON.readTree(response.body());
            long stored = 0;
            for (JsonNode s : states) {
                stored += s.path("state").asText().equals("APPLIED") ? 1 : 0;
            }
            if (stored >= applied) {
                return System.currentTimeMillis();
            }
            Thread.sleep(200); // polling another process; not test code
        }
        return -1;
    }

    private static MitigationPublished mitigation(int recordSize) {
        String padding = recordSize > 0 ? "x".repeat(Math.max(0, recordSize - 400)) : "";
        MitigationDefinition definition = MitigationDefinition.newBuilder().setId(MITIGATION).setRevision(1).setTitle("benchmark mitigation")
                .setDescription(padding).setCves(List.of("CVE-2022-41040")).setProduct("Exchange").setApplicableBuilds(List.of()).setFixedBy(List.of())
                .setActions(List.of(BlockRequests.newBuilder().setRuleName("bench - inbound").setResponse(BlockResponse.ABORT_REQUEST)
                        .setConditions(List.of(new RequestCondition("{UrlDecode:{REQUEST_URI}}", "(?=.*autodiscover)(?=.*powershell)", true, false)))
                        .build()))
                .build();
        Instant now = Instant.now();
        return MitigationPublished.newBuilder().setEventId(UUID.randomUUID().toString()).setDefinition(definition)
                .setDefinitionDigest(Digests.of(definition))
                .setEvidence(FeedEvidence.newBuilder().setFeedId("bench").setFeedKind(FeedKind.BUNDLED_CATALOG).setFeedVersion("1")
                        .setVerifiedBy(List.of("bench")).setVerifiedAt(now).build())
                .setPublishedAt(now).setExploitation(List.of()).build();
    }

    private Process startFleet(Options options, String kafka, Path policyKey, Path log) throws IOException {
        Path app = options.home().resolve("applier-agent/target/quarkus-app");
        if (!Files.isDirectory(app)) {
            throw new IllegalStateException(app + " is missing: build first (./mvnw -DskipTests package)");
        }
        Files.createDirectories(log.getParent());
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g", "-XX:+UseParallelGC",
                "-cp", app.resolve("app") + "/*:" + app.resolve("lib/main") + "/*", "io.tourniquet.agent.fleet.FleetSimulator",
                "--bootstrap=" + kafka, "--tenants=" + options.tenants(), "--servers=" + options.serversPerTenant(), "--policy-key=" + policyKey,
                "--apply-latency=" + options.applyLatency().toMillis() + "ms", "--failure-rate=" + options.failureRate());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitLine(Path log, String text, Duration timeout) throws Exception {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            Thread.sleep(200); // polling another process's log; not test code
        }
        throw new IllegalStateException("'" + text + "' not seen in " + log + " within " + timeout);
    }

    private static List<String> tenants(int count) {
        List<String> tenants = new ArrayList<>();
        for (int t = 1; t <= count; t++) {
            tenants.add(String.format("fleet-%04d", t));
        }
        return tenants;
    }

    private static Path jar(Options options, String module) {
        return options.home().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    }

}
