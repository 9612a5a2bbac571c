package io.tourniquet.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One packaged Quarkus service started as a child process, with its log in a file. */
public final class ServiceProcess implements AutoCloseable {

    /** A log this large when its service starts is kept as {@code <name>.log.1} (one older file) and a new one begun. */
    static final long LOG_ROTATE_BYTES = 20L * 1024 * 1024;

    private final String name;
    private final int httpPort;
    private final boolean https;
    private final Process process;
    private final Path log;

    private ServiceProcess(String name, int httpPort, boolean https, Process process, Path log) {
        this.name = name;
        this.httpPort = httpPort;
        this.https = https;
        this.process = process;
        this.log = log;
    }

    /**
     * @param jar        the service's quarkus-app/quarkus-run.jar
     * @param properties system properties (configuration) for the service
     */
    public static ServiceProcess start(String name, Path jar, int httpPort, Map<String, String> env, Map<String, String> properties,
            Path logDir, String maxHeap) {
        return start(name, jar, httpPort, env, properties, logDir, maxHeap, JvmTuning.SMALL);
    }

    public static ServiceProcess start(String name, Path jar, int httpPort, Map<String, String> env, Map<String, String> properties,
            Path logDir, String maxHeap, JvmTuning tuning) {
        return start(name, jar, httpPort, env, properties, logDir, maxHeap, tuning, false, List.of());
    }

    /**
     * @param https      the port serves HTTPS only (the service's certificate settings come with its configuration); no
     *                   plain HTTP port is opened
     * @param jvmOptions more options of the JVM (e.g. class-data sharing)
     */
    public static ServiceProcess start(String name, Path jar, int httpPort, Map<String, String> env, Map<String, String> properties,
            Path logDir, String maxHeap, JvmTuning tuning, boolean https, List<String> jvmOptions) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build first (./mvnw -DskipTests package)");
        }
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx" + maxHeap));
        command.addAll(tuning.options());
        command.add("-Dquarkus.http.host=127.0.0.1"); // loopback only: on one machine nothing else needs the services
        command.addAll(https ? List.of("-Dquarkus.http.ssl-port=" + httpPort, "-Dquarkus.http.port=0", "-Dquarkus.http.insecure-requests=disabled")
                : List.of("-Dquarkus.http.port=" + httpPort));
        command.addAll(jvmOptions);
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        Path log = logDir.resolve(name + ".log");
        try {
            Files.createDirectories(logDir);
            // appended, as a service manager's journal: a restarted service keeps the log of the process before it
            rotateIfLarge(log);
            Files.writeString(log, "--- " + name + " starting at " + Instant.now() + " ---" + System.lineSeparator(), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().put("MALLOC_ARENA_MAX", "2"); // glibc's per-thread arenas cost RSS and buy nothing here
            builder.environment().putAll(env);
            return new ServiceProcess(name, httpPort, https, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** Keeps a log that grew past {@link #LOG_ROTATE_BYTES} as one older file, so that restarts do not grow it without end. */
    static void rotateIfLarge(Path log) throws IOException {
        if (Files.exists(log) && Files.size(log) > LOG_ROTATE_BYTES) {
            Files.move(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public String name() {
        return name;
    }

    public int httpPort() {
        return httpPort;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public String baseUrl() {
        return (https ? "https" : "http") + "://127.0.0.1:" + httpPort;
    }

    /** Waits until /q/health/ready answers UP; fails with the end of the service's log if it exits or times out. */
    public void awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with status " + process.exitValue() + ":\n" + tail());
            }
            if (isReady()) {
                return;
            }
            pause();
        }
        throw new IllegalStateException(name + " not ready after " + timeout.toSeconds() + " s; log " + log + ":\n" + tail());
    }

    /** Whether /q/health/ready answers UP now (false while it is not listening, or not ready). */
    public boolean isReady() {
        try {
            return StackHttp.client().send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + name + " whether it is ready", e);
        }
    }

    /** Resident memory in kB, from /proc (Linux); -1 where unavailable. */
    public long rssKb() {
        return Rss.ofPid(process.pid());
    }

    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGKILL, as a power cut or the OOM killer would end it: no shutdown hook, no flush. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, as systemd or Kubernetes stops it, without waiting for it to end. */
    public void requestStop() {
        process.destroy();
    }

    /**
     * Asks every process to stop at once, then waits for each: stopped one after the other, each would wait for the one
     * before (a service takes a second or two to leave its consumer groups and commit).
     */
    public static void stopAll(List<ServiceProcess> processes) {
        processes.forEach(ServiceProcess::requestStop);
        processes.forEach(ServiceProcess::close);
    }

    /** The exit status once the process has ended. */
    public int exitValue() {
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(250); // polling a child process's health endpoint; this is not test code
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The runnable jar of a module of the project, as {@code ./mvnw package} leaves it. */
    public static Path packagedJar(Path home, String module) {
        return home.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    }

    /** The java of the JVM running this, for the processes it starts. */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
