package io.tourniquet.bench;

import java.io.OutputStreamWriter;
import io.tourniquet.bench.fleet.FleetSimulator;
import io.tourniquet.devstack.Polling;
import io.tourniquet.devstack.ServiceProcess;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fleet simulator ({@link FleetSimulator}, the agent's own classes at scale) as a child process of
 * the bench, controlled through its standard input ("offline SHARE PREFIX", "online") and read through its log.
 */
final class FleetProcess implements AutoCloseable {

    /** What the simulated fleet is, for the bench's JSON. */
    static final String MODEL = "one process, the agent's own classes: a consumer in a group of its own per tenant, each server's state written "
            + "and forced to disk twice per command, heartbeats every 60 s, inventory every 15 min and a drift check every 5 min per server, "
            + "one producer for every server's results; offline = the tenant's consumer closed, back = it rejoins and fetches";

    private final Process process;
    private final Writer control;
    private final Path log;

    private FleetProcess(Process process, Path log) {
        this.process = process;
        this.control = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.log = log;
    }

    /**
     * @param kafkaConfig the client settings file the simulator connects with (null: plaintext)
     * @param stateDir where each simulated server keeps its state file, as a real agent does
     */
    static FleetProcess start(Path home, int canaries, Duration applyLatency, double failureRate, String kafka, Path kafkaConfig, Path fleetFile,
            Path keys, Path stateDir, Path log) throws IOException {
        Path bench = home.resolve("bench/target");
        if (!Files.isRegularFile(bench.resolve("bench.jar")) || !Files.isDirectory(bench.resolve("lib"))) {
            throw new IllegalStateException(bench + " has no bench.jar and lib/: build first (./mvnw -DskipTests package)");
        }
        Files.createDirectories(log.getParent());
        List<String> command = new ArrayList<>(List.of(ServiceProcess.javaExecutable(), "-Xmx3g", "-XX:+UseParallelGC",
                "-cp", bench.resolve("bench.jar") + ":" + bench.resolve("lib") + "/*", FleetSimulator.class.getName(),
                "--bootstrap=" + kafka, "--fleet=" + fleetFile, "--policy-key=" + keys.resolve("policy-signing.pub"),
                "--publisher-key=" + keys.resolve("feed-publisher.pub"), "--agent-key-seed=" + keys.resolve(Bench.FLEET_KEY_SEED), "--canaries=" + canaries,
                "--apply-latency=" + applyLatency.toMillis() + "ms", "--failure-rate=" + failureRate, "--state-dir=" + stateDir));
        if (kafkaConfig != null) {
            command.add("--kafka-config=" + kafkaConfig);
        }
        return new FleetProcess(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
    }

    long pid() {
        return process.pid();
    }

    /** Takes this share of the tenants starting with the prefix offline (their consumers closed); how many servers went. */
    long takeOffline(double share, String tenantPrefix) throws Exception {
        int seen = count("servers offline");
        send("offline " + share + " " + tenantPrefix);
        Matcher m = Pattern.compile("(\\d+) servers offline").matcher(awaitLine("servers offline", seen + 1, Duration.ofMinutes(1)));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    void bringOnline() throws IOException {
        send("online");
    }

    /** Waits for the first line containing the text. */
    String awaitLine(String text, Duration timeout) throws Exception {
        return awaitLine(text, 1, timeout);
    }

    /** Waits until the log has this many lines containing the text; returns the last of them. */
    private String awaitLine(String text, int occurrence, Duration timeout) throws Exception {
        return Polling.until(timeout, Duration.ofMillis(200), () -> {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.contains(text)).toList() : List.of();
            if (lines.size() >= occurrence) {
                return Optional.of(lines.get(occurrence - 1));
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the fleet simulator stopped (exit " + process.exitValue() + "); see " + log);
            }
            return Optional.<String>empty();
        }).orElseThrow(() -> new IllegalStateException("'" + text + "' not seen in " + log + " within " + timeout));
    }

    private int count(String text) throws IOException {
        return Files.exists(log) ? (int) Files.readAllLines(log).stream().filter(l -> l.contains(text)).count() : 0;
    }

    private void send(String line) throws IOException {
        control.write(line + "\n");
        control.flush();
    }

    @Override
    public void close() {
        process.destroy();
    }
}
