package io.tourniquet.bench.faults;

import io.tourniquet.devstack.EmbeddedKafkaBroker;
import io.tourniquet.devstack.EmbeddedKafkaBroker.Node;
import io.tourniquet.devstack.LocalPki;
import io.tourniquet.schemas.kafka.KafkaClients;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;

/**
 * The fault suite's Kafka: one secured broker, or a cluster of three (replication factor 3, min.insync.replicas=2, as
 * on Strimzi), each node a process of its own that can be killed and started again on its data and ports.
 */
public final class BrokerCluster implements AutoCloseable {

    private final List<BrokerProcess> nodes = new ArrayList<>();
    private Map<String, Object> administrator;

    private BrokerCluster() {
    }

    /**
     * Starts {@code size} nodes in {@code dir} (the bench's jars in {@code benchTarget}) and waits until they serve.
     */
    public static BrokerCluster start(int size, Path benchTarget, Path dir, Path pkiDir, Path logDir) throws Exception {
        BrokerCluster cluster = new BrokerCluster();
        List<Node> all = Node.cluster(size);
        String clusterId = Uuid.randomUuid().toString();
        for (Node node : all) {
            cluster.nodes.add(new BrokerProcess(benchTarget, dir, pkiDir, node, all, clusterId, logDir));
        }
        // made here, once, before the nodes start together and read it
        cluster.administrator = EmbeddedKafkaBroker.administratorOf(dir, cluster.bootstrapServers(), LocalPki.in(pkiDir));
        try {
            cluster.restartAll();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public int size() {
        return nodes.size();
    }

    /** The client settings of the cluster's administrator. */
    public Map<String, Object> administratorSettings() {
        return administrator;
    }

    public String bootstrapServers() {
        return String.join(",", nodes.stream().map(n -> "127.0.0.1:" + n.node().clientPort()).toList());
    }

    /** The nodes' process ids, in node order. */
    public List<Long> pids() {
        return nodes.stream().map(BrokerProcess::pid).toList();
    }

    /** SIGKILL of every node at once: the whole cluster crashes. */
    public void killAll() throws InterruptedException {
        for (BrokerProcess node : nodes) {
            node.kill();
        }
    }

    /** Starts every node that is not running, together, and waits until each serves. */
    public void restartAll() throws Exception {
        List<BrokerProcess> stopped = nodes.stream().filter(n -> !n.isAlive()).toList();
        stopped.forEach(BrokerProcess::launch);
        for (BrokerProcess node : stopped) {
            node.awaitReady();
        }
    }

    /** SIGKILL of one node. */
    public void kill(int nodeId) throws InterruptedException {
        nodes.get(nodeId - 1).kill();
    }

    /** The node leading partition 0 of the topic, as the cluster's metadata says. */
    public int leaderOf(String topic) throws Exception {
        try (Admin admin = KafkaClients.of(administrator).admin(Map.of())) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().get(0).leader().id();
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (BrokerProcess node : nodes) {
            node.stop();
        }
    }
}
