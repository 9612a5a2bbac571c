package io.tourniquet.bench.faults;

import io.tourniquet.devstack.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of the fault suite's own (initdb in a temporary directory, its own port, trust on loopback), so
 * that it can be stopped and started without touching the machine's PostgreSQL that other tests use. Run as user
 * {@code postgres} when this process is root, as PostgreSQL refuses to run as root.
 */
public final class PrivatePostgres implements AutoCloseable {

    private static final String SYSTEM_USER = "postgres";

    private final Path bin;
    private final Path dir;
    private final int port;

    private PrivatePostgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /** Makes and starts a new cluster; fails saying what is missing when PostgreSQL's server programs are not installed. */
    public static PrivatePostgres start() throws IOException, InterruptedException {
        Path bin = serverPrograms();
        Path dir = Files.createTempDirectory("tourniquet-faults-pg");
        PrivatePostgres postgres = new PrivatePostgres(bin, dir, EmbeddedKafkaBroker.freePort());
        if (isRoot()) {
            // the server runs as postgres: it must own its directory
            Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SYSTEM_USER));
        }
        postgres.run(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", SYSTEM_USER, "--auth=trust", "-E", "UTF8",
                "--no-sync");
        postgres.startAgain();
        return postgres;
    }

    /** JDBC URL of its "postgres" database (user postgres, no password). */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** pg_ctl stop -m fast: the server disconnects every client and stops, as an administrator or a failover would. */
    public void stop() throws IOException, InterruptedException {
        run(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
    }

    public void startAgain() throws IOException, InterruptedException {
        run(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("postgres.log").toString(), "-w",
                "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c fsync=off", "start");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            run(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
        } catch (IllegalStateException e) {
            // already stopped
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void run(String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>();
        if (isRoot()) {
            line.addAll(List.of("runuser", "-u", SYSTEM_USER, "--"));
        }
        line.addAll(List.of(command));
        Path output = Files.createTempFile("tourniquet-pg-command", ".log");
        try {
            Process process = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", line) + " failed: " + Files.readString(output));
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The newest installed PostgreSQL's server programs (Debian keeps them out of PATH). */
    private static Path serverPrograms() throws IOException {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                var newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                        .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString().replaceAll("\\D", "0"))));
                if (newest.isPresent()) {
                    return newest.get().resolve("bin");
                }
            }
        }
        throw new IllegalStateException("PostgreSQL's server programs (initdb, pg_ctl) are not installed: apt-get install postgresql "
                + "(./tourniquet test installs it)");
    }
}
