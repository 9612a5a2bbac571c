package io.tourniquet.bench;

import io.tourniquet.bench.faults.BrokerCluster;
import io.tourniquet.devstack.EmbeddedKafkaBroker;
import io.tourniquet.devstack.LocalPki;
import io.tourniquet.schemas.kafka.KafkaClients;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench's Kafka: one embedded broker in the bench's own process (the default, as ./tourniquet up runs it), or a
 * cluster of broker processes with replication factor 3 and min.insync.replicas=2 ({@code --brokers=3}, as on Strimzi).
 */
final class BenchKafka implements AutoCloseable {

    private final EmbeddedKafkaBroker broker;
    private final BrokerCluster cluster;
    private final Map<String, Object> administrator;
    private final String bootstrapServers;

    private BenchKafka(EmbeddedKafkaBroker broker, BrokerCluster cluster, Map<String, Object> administrator, String bootstrapServers) {
        this.broker = broker;
        this.cluster = cluster;
        this.administrator = administrator;
        this.bootstrapServers = bootstrapServers;
    }

    /** @param pki null: a plaintext broker (one only) */
    static BenchKafka start(int brokers, LocalPki pki, Path home, Path work) throws Exception {
        if (brokers == 1) {
            EmbeddedKafkaBroker broker = pki == null ? EmbeddedKafkaBroker.start(work.resolve("kafka"), 0)
                    : EmbeddedKafkaBroker.startSecured(work.resolve("kafka"), 0, pki);
            return new BenchKafka(broker, null, broker.adminSettings(), broker.bootstrapServers());
        }
        if (pki == null) {
            throw new IllegalArgumentException("--plaintext-kafka runs on one broker; a cluster is always secured");
        }
        BrokerCluster cluster = BrokerCluster.start(brokers, home.resolve("bench/target"), work.resolve("kafka"), work.resolve("tls"), work.resolve("logs"));
        return new BenchKafka(null, cluster, cluster.administratorSettings(), cluster.bootstrapServers());
    }

    /** The broker's administrator: topics, users, ACLs, and the bench's own clients. */
    KafkaClients administrator() {
        return KafkaClients.of(administrator);
    }

    Map<String, Object> administratorSettings() {
        return administrator;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** What the JSON says about the cluster. */
    String description() {
        return cluster == null ? "one broker in the bench's process, replication factor 1"
                : cluster.size() + " broker processes, replication factor 3, min.insync.replicas=2";
    }

    /** The broker processes to measure (the embedded one is the bench's own process). */
    Map<String, Long> processes() {
        Map<String, Long> pids = new LinkedHashMap<>();
        if (cluster == null) {
            pids.put("bench+kafka", ProcessHandle.current().pid());
        } else {
            pids.put("bench", ProcessHandle.current().pid());
            List<Long> nodes = cluster.pids();
            for (int i = 0; i < nodes.size(); i++) {
                pids.put("kafka-" + (i + 1), nodes.get(i));
            }
        }
        return pids;
    }

    @Override
    public void close() throws Exception {
        if (broker != null) {
            broker.close();
        } else {
            cluster.close();
        }
    }
}
