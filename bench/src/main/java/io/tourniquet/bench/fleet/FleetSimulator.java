package io.tourniquet.bench.fleet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import io.tourniquet.devstack.KafkaCredentials;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.agent.backend.ServerFacts;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Many simulated servers in one process, for the fleet benchmark: each is the real agent code ({@link ServerAgent}:
 * verification, local state, results) on the {@code simulated} backend, with a configurable apply latency, failure
 * rate, share of servers offline and Exchange builds. One consumer reads every tenant's command topic; commands are
 * executed on a pool of lanes, each server always on the same lane so that its commands stay in order. Offline
 * servers keep their commands until they come back. Controlled by lines on standard input: "offline 0.1" takes a
 * random tenth of the online servers offline ("offline 0.1 fleet-0": only in tenants starting with fleet-0), "online"
 * brings every server back.
 *
 * <pre>java -cp "applier-agent/target/quarkus-app/app/*:applier-agent/target/quarkus-app/lib/main/*" io.tourniquet.bench.fleet.FleetSimulator
 *   --bootstrap=127.0.0.1:19092 --fleet=fleet.txt --policy-key=.tourniquet/keys/policy-signing.pub
 *   --publisher-key=.tourniquet/keys/feed-publisher.pub --agent-key-seed=fleet-agent-keys.seed
 *   [--apply-latency=0ms] [--failure-rate=0] [--offline=0] [--canaries=0] [--builds=15.2.986.5,15.2.1118.7] [--lanes=32]</pre>
 * The fleet file has a line "TENANT SERVERS" per tenant; servers are named exch0, exch1...; the first {@code canaries}
 * servers of each tenant carry the tag "canary".
 */
public final class FleetSimulator implements AutoCloseable {

    /** How the fleet behaves. */
    public record Options(KafkaClients kafka, Map<String, Integer> fleet, Path policyKey, Path publisherKey, FleetIdentities identities, Duration applyLatency, double failureRate,
            double offlineShare, int canaries, List<String> builds, int lanes) {
    }

    /** The tag of servers that go first in a staged rollout. */
    public static final String CANARY_TAG = "canary";

    private final Options options;
    private final Map<String, ServerAgent> agents = new HashMap<>();
    private final Map<String, SigningKey> agentKeys = new HashMap<>();
    private final Map<String, Boolean> offline = new HashMap<>();
    private final Map<String, List<SignedCommand>> waiting = new HashMap<>();
    private final List<ExecutorService> lanes = new ArrayList<>();
    private final KafkaProducer<String, byte[]> producer;
    private final AtomicLong executed = new AtomicLong();
    private final Random random = new Random(42);
    private volatile boolean running = true;

    public FleetSimulator(Options options) {
        this.options = options;
        CommandGate gate = new CommandGate(new CommandVerifier(List.of(Ed25519Keys.readPublic(options.policyKey()))),
                TrustedKeys.read(List.of(options.publisherKey())), Clock.systemUTC());
        LocalControlStore control = new LocalControlStore(Optional.empty());
        options.fleet().forEach((tenant, servers) -> {
            AgentStateStore store = new AgentStateStore(Optional.empty()); // keyed by server id: one per tenant
            for (int s = 0; s < servers; s++) {
                String server = serverName(s);
                String build = options.builds().get(random.nextInt(options.builds().size()));
                var backend = new SimulatedBackend(options.failureRate(), new Random(random.nextLong()), options.applyLatency(), Optional.empty(),
                        ServerFacts.read(build, List.of()));
                List<String> tags = s < options.canaries() ? List.of(CANARY_TAG) : List.of();
                agents.put(key(tenant, server), new ServerAgent(new ServerAgent.Identity(tenant, server, "Exchange", "fleet-sim", null, tags),
                        gate, backend, store, control));
                offline.put(key(tenant, server), random.nextDouble() < options.offlineShare());
                agentKeys.put(key(tenant, server), options.identities().signingKey(tenant, server));
            }
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

    /** Every online server reports its inventory, as an agent does at start. */
    public void reportInventories() {
        agents.forEach((key, agent) -> {
            if (!offline.get(key)) {
                send(agent, agent.inventory());
            }
        });
        producer.flush();
    }

    public long offlineCount() {
        return offline.values().stream().filter(Boolean::booleanValue).count();
    }

    /**
     * Takes this share of the online servers of tenants whose id starts with the prefix offline: they report nothing and
     * keep their commands until they come back.
     */
    public synchronized long takeOffline(double share, String tenantPrefix) {
        long count = 0;
        for (var entry : offline.entrySet()) {
            if (!entry.getValue() && entry.getKey().startsWith(tenantPrefix) && random.nextDouble() < share) {
                entry.setValue(true);
                count++;
            }
        }
        return count;
    }

    /** Brings the offline servers back: they report inventory and execute the commands they missed, in order. */
    public synchronized void bringOnline() {
        offline.replaceAll((key, wasOffline) -> {
            if (wasOffline) {
                ServerAgent agent = agents.get(key);
                send(agent, agent.inventory());
                waiting.getOrDefault(key, List.of()).forEach(command -> execute(key, command));
                waiting.remove(key);
            }
            return false;
        });
    }

    public void run() {
        try (var consumer = options.kafka().<String, byte[]>consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "tourniquet-fleet-simulator", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 3000, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Pattern.compile(Pattern.quote(Topics.COMMANDS_PREFIX) + "fleet-.*"));
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    onCommand(record);
                }
            }
        }
    }

    private synchronized void onCommand(ConsumerRecord<String, byte[]> record) {
        String key = key(Topics.tenantOf(record.topic()), record.key());
        if (!agents.containsKey(key)) {
            return;
        }
        SignedCommand command;
        try {
            command = AvroCodec.get().decode(record.value(), SignedCommand.class);
        } catch (RuntimeException e) {
            // as a real agent: an unreadable record is reported, and the server goes on with the next one
            send(agents.get(key), agents.get(key).unreadable("record " + record.topic() + "/" + record.partition() + "@" + record.offset()
                    + " is not a signed command: " + e.getMessage()));
            return;
        }
        if (offline.get(key)) {
            waiting.computeIfAbsent(key, k -> new ArrayList<>()).add(command);
            return;
        }
        execute(key, command);
    }

    private void execute(String key, SignedCommand command) {
        ServerAgent agent = agents.get(key);
        lanes.get(Math.floorMod(key.hashCode(), lanes.size())).execute(() -> {
            send(agent, agent.handle(command));
            executed.incrementAndGet();
        });
    }

    /** Signed with the server's own key, as a real agent signs (the policy and audit services refuse anything else). */
    private void send(ServerAgent agent, SpecificRecord event) {
        byte[] value = AvroCodec.get().encodeValue(event);
        SigningKey key = agentKeys.get(key(agent.tenantId(), agent.serverId()));
        producer.send(new ProducerRecord<>(Topics.agentEvents(agent.tenantId()), null, agent.serverId(), value, AgentEventSignatures.sign(key, value)));
    }

    public long executed() {
        return executed.get();
    }

    @Override
    public void close() {
        running = false;
        lanes.forEach(ExecutorService::shutdown);
        producer.close(Duration.ofSeconds(5));
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
                Double.parseDouble(o.getOrDefault("failure-rate", "0")), Double.parseDouble(o.getOrDefault("offline", "0")),
                Integer.parseInt(o.getOrDefault("canaries", "0")),
                List.of(o.getOrDefault("builds", "15.2.986.5").split(",")), Integer.parseInt(o.getOrDefault("lanes", "32")));
        try (FleetSimulator fleet = new FleetSimulator(options)) {
            fleet.reportInventories();
            System.out.printf("fleet ready: %d servers in %d tenants, %d offline%n", fleet.agents.size(), options.fleet().size(), fleet.offlineCount());
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
            fleet.run();
        }
    }
}
