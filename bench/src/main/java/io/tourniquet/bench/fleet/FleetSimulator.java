package io.tourniquet.bench.fleet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import io.tourniquet.devstack.KafkaCredentials;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.agent.backend.ServerFacts;
import io.tourniquet.agent.config.AgentProducer;
import io.tourniquet.agent.backend.SimulatedBackend;
import io.tourniquet.agent.domain.AgentStateStore;
import io.tourniquet.agent.domain.CommandGate;
import io.tourniquet.agent.domain.LocalControlStore;
import io.tourniquet.agent.domain.ServerAgent;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.crypto.CommandVerifier;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.crypto.AgentEventSignatures;
import io.tourniquet.schemas.crypto.SigningKey;
import io.tourniquet.schemas.crypto.TrustedKeys;
import io.tourniquet.schemas.serde.AvroCodec;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import io.tourniquet.schemas.topics.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Many simulated servers in one process, for the fleet benchmark: each is the real agent code ({@link ServerAgent}:
 * verification, local state, results) on the {@code simulated} backend, with a configurable apply latency, failure
 * rate and Exchange builds, modelled on how real agents load the broker:
 * <ul>
 * <li>every tenant's commands are read by a consumer of its own, in a consumer group of its own, committing what its
 * servers carried out (a real agent process reads its tenant's commands in its own group);</li>
 * <li>each server's state is written to a file, forced to disk and renamed, twice per command, as the real agent does
 * ({@code --state-dir}; in memory without it);</li>
 * <li>every server sends a heartbeat, reports its inventory and checks drift at the real agent's default intervals,
 * spread over the interval;</li>
 * <li>commands are executed on a pool of lanes, each server always on the same lane so that its commands stay in order;
 * a batch is committed once every command of it was carried out.</li>
 * </ul>
 * Controlled by lines on standard input: "offline 0.1 fleet-0" closes the consumers of a random tenth of the tenants
 * starting with fleet-0 (their servers send nothing more), "online" brings them back: they report their inventory and a
 * new consumer rejoins the tenant's group and fetches what was written meanwhile.
 *
 * <pre>java -cp "bench/target/bench.jar:bench/target/lib/*" io.tourniquet.bench.fleet.FleetSimulator
 *   --bootstrap=127.0.0.1:19092 --fleet=fleet.txt --policy-key=.tourniquet/keys/policy-signing.pub
 *   --publisher-key=.tourniquet/keys/feed-publisher.pub --agent-key-seed=fleet-agent-keys.seed [--state-dir=DIR]
 *   [--apply-latency=0ms] [--failure-rate=0] [--canaries=0] [--builds=15.2.986.5,15.2.1118.7] [--lanes=32]</pre>
 * The fleet file has a line "TENANT SERVERS" per tenant; servers are named exch0, exch1...; the first {@code canaries}
 * servers of each tenant carry the tag "canary".
 */
public final class FleetSimulator implements AutoCloseable {

    /** How the fleet behaves; {@code stateDir} empty: state in memory only. */
    public record Options(KafkaClients kafka, Map<String, Integer> fleet, Path policyKey, Path publisherKey, FleetIdentities identities, Duration applyLatency,
            double failureRate, int canaries, List<String> builds, int lanes, Optional<Path> stateDir, Timers timers) {
    }

    /** The agent's own schedule (its configuration defaults). */
    public record Timers(Duration heartbeat, Duration inventory, Duration driftCheck) {
        public static final Timers AGENT_DEFAULTS = new Timers(Duration.ofSeconds(60), Duration.ofMinutes(15), Duration.ofMinutes(5));
    }

    /** The tag of servers that go first in a staged rollout. */
    public static final String CANARY_TAG = "canary";
    /** Each tenant's consumer group: the simulated agents of a tenant share one, as the servers of one agent process do. */
    public static final String GROUP_PREFIX = "tourniquet-fleet-sim.";

    private static final Logger LOG = Logger.getLogger(FleetSimulator.class.getName());
    private final Options options;
    /** Per tenant, its servers by server id (the key of its command records). */
    private final Map<String, Map<String, ServerAgent>> tenants = new LinkedHashMap<>();
    private final List<ServerAgent> servers = new ArrayList<>();
    private final Map<String, SigningKey> agentKeys = new HashMap<>();
    private final Map<String, TenantReader> readers = new ConcurrentHashMap<>();
    private final Set<String> offline = ConcurrentHashMap.newKeySet();
    private final List<ExecutorService> lanes = new ArrayList<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final KafkaProducer<String, byte[]> producer;
    private final Random random = new Random(42);
    private long tick;

    public FleetSimulator(Options options) {
        this.options = options;
        CommandGate gate = new CommandGate(new CommandVerifier(List.of(Ed25519Keys.readPublic(options.policyKey()))),
                TrustedKeys.read(List.of(options.publisherKey())), Clock.systemUTC());
        LocalControlStore control = new LocalControlStore(Optional.empty());
        options.fleet().forEach((tenant, count) -> {
            // keyed by server id: one store per tenant, a file per server under it
            AgentStateStore store = new AgentStateStore(options.stateDir().map(d -> d.resolve(tenant)));
            Map<String, ServerAgent> agents = new LinkedHashMap<>();
            for (int s = 0; s < count; s++) {
                String server = serverName(s);
                String build = options.builds().get(random.nextInt(options.builds().size()));
                var backend = new SimulatedBackend(options.failureRate(), new Random(random.nextLong()), options.applyLatency(), Optional.empty(),
                        ServerFacts.read(build, List.of()));
                List<String> tags = s < options.canaries() ? List.of(CANARY_TAG) : List.of();
                agents.put(server, new ServerAgent(new ServerAgent.Identity(tenant, server, "Exchange", "fleet-sim", null, tags), gate, backend, store, control));
                agentKeys.put(key(tenant, server), options.identities().signingKey(tenant, server));
            }
            tenants.put(tenant, agents);
            servers.addAll(agents.values());
        });
        for (int i = 0; i < options.lanes(); i++) {
            lanes.add(Executors.newSingleThreadExecutor());
        }
        producer = options.kafka().producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static String key(String tenant, String server) {
        return tenant + "/" + server;
    }

    /** The id of the s-th simulated server of a tenant. */
    public static String serverName(int s) {
        return "exch" + s;
    }

    /** Every server reports its inventory, as an agent does at start; then every tenant's consumer joins its group. */
    public void start() {
        servers.forEach(agent -> send(agent, agent.inventory()));
        producer.flush();
        tenants.keySet().forEach(this::startReader);
        timers.scheduleAtFixedRate(this::runTimers, 1, 1, TimeUnit.SECONDS);
    }

    private void startReader(String tenant) {
        TenantReader reader = new TenantReader(tenant);
        readers.put(tenant, reader);
        reader.thread.start();
    }

    /**
     * Takes this share of the online tenants whose id starts with the prefix offline (at least one when the share is not
     * zero), chosen at random: their consumers commit what they carried out and close, their servers send nothing until
     * they come back. Returns how many servers went offline.
     */
    public synchronized long takeOffline(double share, String tenantPrefix) {
        List<String> online = new ArrayList<>(tenants.keySet().stream().filter(t -> t.startsWith(tenantPrefix) && !offline.contains(t)).toList());
        Collections.shuffle(online, random);
        int count = share <= 0 ? 0 : (int) Math.max(1, Math.round(share * online.size()));
        long servers = 0;
        List<TenantReader> closing = new ArrayList<>();
        for (String tenant : online.subList(0, Math.min(count, online.size()))) {
            offline.add(tenant);
            TenantReader reader = readers.remove(tenant);
            reader.stop();
            closing.add(reader);
            servers += tenants.get(tenant).size();
        }
        closing.forEach(TenantReader::awaitClosed); // together: each may wait on a fetch the broker is holding
        return servers;
    }

    /** Brings the offline tenants back: their servers report inventory, a new consumer rejoins the group and fetches what they missed. */
    public synchronized void bringOnline() {
        for (String tenant : List.copyOf(offline)) {
            tenants.get(tenant).values().forEach(agent -> send(agent, agent.inventory()));
            offline.remove(tenant);
            startReader(tenant);
        }
    }

    /**
     * Once a second, the slice of the fleet whose turn it is: heartbeats over {@code timers.heartbeat}, inventories over
     * {@code timers.inventory}, drift checks (on the server's lane, in order with its commands) over {@code timers.driftCheck}.
     */
    private void runTimers() {
        try {
            long now = tick++;
            for (int i = 0; i < servers.size(); i++) {
                ServerAgent agent = servers.get(i);
                if (offline.contains(agent.tenantId())) {
                    continue;
                }
                if (dueNow(i, now, options.timers().heartbeat())) {
                    send(agent, agent.heartbeat());
                }
                if (dueNow(i, now, options.timers().inventory())) {
                    send(agent, agent.inventory());
                }
                if (dueNow(i, now, options.timers().driftCheck())) {
                    laneOf(agent).execute(() -> agent.checkDrift(true).forEach(drift -> send(agent, drift)));
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "fleet timers failed; next run in a second", e);
        }
    }

    private static boolean dueNow(int server, long tick, Duration interval) {
        long slots = Math.max(1, interval.toSeconds());
        return server % slots == tick % slots;
    }

    /** The commands of a batch, each on its server's lane; resolves when every one was carried out. */
    private CompletableFuture<Void> handle(String tenant, ConsumerRecords<String, byte[]> records) {
        Map<String, ServerAgent> byServer = tenants.get(tenant);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            ServerAgent agent = byServer.get(record.key());
            if (agent == null) {
                continue; // a server of this tenant that is not simulated here (a real agent process)
            }
            done.add(CompletableFuture.runAsync(() -> execute(agent, record), laneOf(agent)));
        }
        return CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
    }

    private void execute(ServerAgent agent, ConsumerRecord<String, byte[]> record) {
        SignedCommand command;
        try {
            command = AvroCodec.get().decode(record.value(), SignedCommand.class);
        } catch (RuntimeException e) {
            // as a real agent: an unreadable record is reported, and the server goes on with the next one
            send(agent, agent.unreadable("record " + record.topic() + "/" + record.partition() + "@" + record.offset()
                    + " is not a signed command: " + e.getMessage()));
            return;
        }
        send(agent, agent.handle(command));
    }

    private ExecutorService laneOf(ServerAgent agent) {
        return lanes.get(Math.floorMod(key(agent.tenantId(), agent.serverId()).hashCode(), lanes.size()));
    }

    /** Signed with the server's own key, as a real agent signs (the policy and audit services refuse anything else). */
    private void send(ServerAgent agent, SpecificRecord event) {
        byte[] value = AvroCodec.get().encodeValue(event);
        SigningKey key = agentKeys.get(key(agent.tenantId(), agent.serverId()));
        producer.send(new ProducerRecord<>(Topics.agentEvents(agent.tenantId()), null, agent.serverId(), value, AgentEventSignatures.sign(key, value)));
    }

    @Override
    public void close() {
        timers.shutdownNow();
        readers.values().forEach(TenantReader::stop);
        readers.values().forEach(TenantReader::awaitClosed);
        lanes.forEach(ExecutorService::shutdown);
        producer.close(Duration.ofSeconds(5));
    }

    /**
     * One tenant's command consumer in the tenant's own group: polls, has its servers carry out the batch, commits. A
     * commit that fails (the broker away, a rebalance) is logged: the batch is read again and each server refuses what
     * it already carried out (replay protection), so nothing runs twice.
     */
    private final class TenantReader {
        private final String tenant;
        private final Thread thread;
        private volatile boolean open = true;
        private volatile KafkaConsumer<String, byte[]> consumer;

        TenantReader(String tenant) {
            this.tenant = tenant;
            this.thread = new Thread(this::run, "fleet-" + tenant);
            thread.setDaemon(true);
        }

        private void run() {
            try (KafkaConsumer<String, byte[]> consumer = options.kafka().<String, byte[]>consumer(Map.of(
                    ConsumerConfig.GROUP_ID_CONFIG, GROUP_PREFIX + tenant, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500,
                    ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, AgentProducer.COMMAND_FETCH_MAX_WAIT_MS,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                this.consumer = consumer;
                consumer.subscribe(List.of(Topics.commands(tenant)));
                while (open) {
                    ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                    if (records.isEmpty()) {
                        continue;
                    }
                    handle(tenant, records).join();
                    commit(consumer);
                }
            } catch (WakeupException e) {
                // stopped: the tenant goes offline or the simulator ends
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "the consumer of " + tenant + " stopped", e);
            }
        }

        private void commit(KafkaConsumer<String, byte[]> consumer) {
            try {
                try {
                    consumer.commitSync(Duration.ofSeconds(30));
                } catch (WakeupException e) {
                    consumer.commitSync(Duration.ofSeconds(30)); // stopped while committing: the batch was carried out, commit it
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "commit for " + tenant + " failed; the batch will be read again and refused as replayed", e);
            }
        }

        /** Ends the poll loop at once (a poll waiting for records is woken up); the batch in hand is committed first. */
        void stop() {
            open = false;
            KafkaConsumer<String, byte[]> current = consumer;
            if (current != null) {
                current.wakeup();
            }
        }

        void awaitClosed() {
            try {
                thread.join(Duration.ofSeconds(60).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Reads "TENANT SERVERS" lines, in order. */
    static Map<String, Integer> readFleet(Path file) throws IOException {
        Map<String, Integer> fleet = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] words = line.strip().split("\\s+");
            if (words.length == 2) {
                fleet.put(words[0], Integer.parseInt(words[1]));
            } else if (!line.isBlank()) {
                throw new IllegalArgumentException("fleet file " + file + ": expected 'TENANT SERVERS', got '" + line + "'");
            }
        }
        return fleet;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            o.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        Map<String, Object> kafka = new HashMap<>();
        if (o.containsKey("kafka-config")) {
            kafka.putAll(KafkaCredentials.readClientConfig(Path.of(o.get("kafka-config"))));
        }
        kafka.put("bootstrap.servers", o.getOrDefault("bootstrap", "127.0.0.1:19092"));
        Options options = new Options(KafkaClients.of(kafka), readFleet(Path.of(o.getOrDefault("fleet", "fleet.txt"))),
                Path.of(o.getOrDefault("policy-key", ".tourniquet/keys/policy-signing.pub")),
                Path.of(o.getOrDefault("publisher-key", ".tourniquet/keys/feed-publisher.pub")),
                FleetIdentities.read(Path.of(o.getOrDefault("agent-key-seed", "fleet-agent-keys.seed"))),
                Duration.ofMillis(Long.parseLong(o.getOrDefault("apply-latency", "0ms").replace("ms", ""))),
                Double.parseDouble(o.getOrDefault("failure-rate", "0")), Integer.parseInt(o.getOrDefault("canaries", "0")),
                List.of(o.getOrDefault("builds", "15.2.986.5").split(",")), Integer.parseInt(o.getOrDefault("lanes", "32")),
                Optional.ofNullable(o.get("state-dir")).map(Path::of), Timers.AGENT_DEFAULTS);
        try (FleetSimulator fleet = new FleetSimulator(options)) {
            fleet.start();
            System.out.printf("fleet ready: %d servers in %d tenants, a consumer group each%n", fleet.servers.size(), options.fleet().size());
            System.out.flush();
            Thread control = new Thread(() -> {
                try (var in = new BufferedReader(new InputStreamReader(System.in))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        String[] words = line.strip().split("\\s+");
                        if (words[0].equals("online")) {
                            fleet.bringOnline();
                            System.out.println("all servers online");
                        } else if (words[0].equals("offline") && words.length >= 2) {
                            System.out.printf("%d servers offline%n", fleet.takeOffline(Double.parseDouble(words[1]), words.length > 2 ? words[2] : ""));
                        } else {
                            System.out.println("unknown control line (expected 'online' or 'offline SHARE [TENANT-PREFIX]'): " + line);
                        }
                        System.out.flush();
                    }
                } catch (IOException e) {
                    // standard input closed: nothing more to control
                }
            }, "fleet-control");
            control.setDaemon(true);
            control.start();
            control.join(); // runs until the bench closes the simulator's standard input or ends the process
        }
    }
}
