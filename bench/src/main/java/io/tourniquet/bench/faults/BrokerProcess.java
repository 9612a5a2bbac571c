package io.tourniquet.bench.faults;

import io.tourniquet.devstack.EmbeddedKafkaBroker;
import io.tourniquet.devstack.EmbeddedKafkaBroker.Node;
import io.tourniquet.devstack.LocalPki;
import io.tourniquet.devstack.Polling;
import io.tourniquet.devstack.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One node of the embedded broker (secured as ./tourniquet up runs it) in a JVM of its own, so that it can be killed
 * with SIGKILL and started again on the same data directory and ports, as a crashed broker comes back.
 */
final class BrokerProcess {

    private static final String READY = "broker ready";

    private final Path benchTarget;
    private final Path clusterDir;
    private final Path pkiDir;
    private final Node node;
    private final List<Node> cluster;
    private final String clusterId;
    private final Path logDir;
    private Process process;
    private Path log;
    private int starts;

    BrokerProcess(Path benchTarget, Path clusterDir, Path pkiDir, Node node, List<Node> cluster, String clusterId, Path logDir) {
        this.benchTarget = benchTarget;
        this.clusterDir = clusterDir;
        this.pkiDir = pkiDir;
        this.node = node;
        this.cluster = cluster;
        this.clusterId = clusterId;
        this.logDir = logDir;
    }

    Node node() {
        return node;
    }

    /** Starts the node's process without waiting: the nodes of a cluster start together. */
    void launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("broker " + node.id() + " is running");
        }
        try {
            Files.createDirectories(logDir);
            // a log per start: what the broker said before a kill stays readable
            log = logDir.resolve("kafka-" + node.id() + "-" + (++starts) + ".log");
            List<String> command = new ArrayList<>(List.of(ServiceProcess.javaExecutable(), "-Xmx1g", "-XX:+UseSerialGC",
                    "-cp", benchTarget.resolve("bench.jar") + ":" + benchTarget.resolve("lib") + "/*", BrokerProcess.class.getName(),
                    clusterDir.toString(), pkiDir.toString(), clusterId, node.toString()));
            cluster.forEach(n -> command.add(n.toString()));
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start broker " + node.id(), e);
        }
    }

    /** Waits until the node serves clients (for a cluster node: once the quorum has formed). */
    void awaitReady() throws Exception {
        boolean ready = Polling.until(Duration.ofSeconds(120), Duration.ofMillis(100), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("broker " + node.id() + " exited with status " + process.exitValue() + "; see " + log);
            }
            return Files.readString(log).contains(READY) ? Optional.of(true) : Optional.<Boolean>empty();
        }).isPresent();
        if (!ready) {
            throw new IllegalStateException("broker " + node.id() + " did not start within 120 s; see " + log);
        }
    }

    /** SIGKILL: no controlled shutdown, open transactions and unflushed segments as a crash leaves them. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM (the broker's own controlled shutdown), SIGKILL after 30 s. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    /** A node's own JVM: CLUSTER-DIR PKI-DIR CLUSTER-ID SELF NODE...; runs until killed or stopped. */
    public static void main(String[] args) throws Exception {
        List<Node> cluster = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            cluster.add(Node.parse(args[i]));
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startSecuredNode(Path.of(args[0]), Node.parse(args[3]), cluster, args[2],
                LocalPki.in(Path.of(args[1])));
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-shutdown"));
        System.out.println(READY + " on " + broker.bootstrapServers());
        System.out.flush();
        Thread.currentThread().join(); // serves until the process is stopped
    }
}
