package io.tourniquet.localstack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** ./tourniquet up | down | status: runs Tourniquet locally on embedded defaults. */
public final class Cli {

    private static final PrintStream OUT = System.out;

    private Cli() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("tourniquet.home", ".")).toAbsolutePath().normalize();
        String command = args.length == 0 ? "help" : args[0];
        List<String> rest = List.of(args).subList(Math.min(args.length, 2), args.length);
        String sub = args.length > 1 ? args[1] : "";
        FeedCommands feeds = new FeedCommands(OUT);
        int status;
        try {
            status = switch (command) {
                case "up" -> up(home, parse(home, args));
                case "down" -> down(home);
                case "status" -> status(home);
                case "feed" -> switch (sub) {
                    case "verify" -> feeds.verify(rest);
                    case "sign" -> feeds.sign(rest);
                    case "test" -> feeds.test(rest);
                    default -> usage();
                };
                case "keys" -> sub.equals("generate") ? feeds.generateKeys(rest) : usage();
                case "agent" -> new AgentCommands(OUT).run(sub, rest);
                case "policy" -> new PolicyCommands(OUT).run(sub, rest);
                case "bench" -> {
                    var bench = new Bench(OUT);
                    var options = Bench.parse(home, List.of(args).subList(1, args.length));
                    var figures = bench.run(options);
                    OUT.println(new com.fasterxml.jackson.databind.ObjectMapper().enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(figures));
                    OUT.println("figures written to " + options.out());
                    yield 0;
                }
                default -> usage();
            };
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            OUT.println(e.getMessage());
            status = 2;
        } catch (java.nio.file.NoSuchFileException e) {
            OUT.println("no such file: " + e.getFile());
            status = 2;
        }
        System.exit(status);
    }

    private static int usage() {
        OUT.println("""
                usage: ./tourniquet <command>
                  up [--tenants=N] [--servers=M] [--failure-rate=0.1]   run the whole pipeline locally (Ctrl-C stops it)
                  down                                                  stop what 'up' started
                  status                                                health and memory of each process
                  test                                                  run every test (./mvnw verify, after making sure PostgreSQL runs)
                  feed verify FILE [--keys=a.pub,b.pub --threshold=2 --feed-id=ID]
                                                                        would the ingestor accept this feed file? (our signed JSON or
                                                                        Microsoft's EOCS XML); exit status 0 only if so
                  feed sign PAYLOAD.json --keys=dir/k1,dir/k2 [--out=FILE]
                                                                        sign a feed payload with one or more keys
                  feed test [--ingestor=http://127.0.0.1:8081]         fetch and verify every configured feed now (reachable? trusted?)
                  keys generate PATH/NAME                               new Ed25519 key pair: NAME.key (owner-only) and NAME.pub
                  agent status|block ID|unblock ID|observe-only on|off [--agent=http://127.0.0.1:8091] [--by=NAME]
                                                                        on a server: what its agent has in force, block a mitigation
                                                                        there, or let the agent only verify and report
                """ + PolicyCommands.USAGE + """

                  bench [--tenants=500 --servers=20 --scenario-servers=200 --canaries=10 --offline=0.1 --record-size=BYTES
                         --apply-latency-ms=0 --failure-rate=0 --audit-events=50000 --idle-seconds=60
                         --postgres=jdbc:postgresql://127.0.0.1:5432/test --out=FILE.json]
                                                                        the whole pipeline on a fresh broker with a simulated fleet:
                                                                        time to mitigate and its stages, staged rollout, unblock,
                                                                        offline servers back, audit ingest, raw Kafka, CPU, RSS,
                                                                        one real agent's idle footprint (see docs/BENCHMARKS.md)""");
        return 2;
    }

    private static LocalStack.Options parse(Path home, String[] args) {
        LocalStack.Options defaults = LocalStack.Options.defaults(home);
        List<String> tenants = defaults.tenants();
        int servers = defaults.serversPerTenant();
        double failureRate = defaults.failureRate();
        for (String arg : List.of(args).subList(1, args.length)) {
            String[] kv = arg.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("unknown option " + arg);
            }
            switch (kv[0]) {
                case "--tenants" -> {
                    int n = Integer.parseInt(kv[1]);
                    List<String> names = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        names.add(i <= defaults.tenants().size() ? defaults.tenants().get(i - 1) : "tenant-" + i);
                    }
                    tenants = names;
                }
                case "--servers" -> servers = Integer.parseInt(kv[1]);
                case "--failure-rate" -> failureRate = Double.parseDouble(kv[1]);
                default -> throw new IllegalArgumentException("unknown option " + kv[0]);
            }
        }
        return new LocalStack.Options(home, defaults.stateDir(), tenants, servers, defaults.kafkaPort(), defaults.basePort(), failureRate,
                defaults.auditDatabase());
    }

    private static int up(Path home, LocalStack.Options options) throws Exception {
        Path pidFile = options.stateDir().resolve("launcher.pid");
        if (Files.exists(pidFile) && ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).map(ProcessHandle::isAlive).orElse(false)) {
            OUT.println("Tourniquet is already running (pid " + Files.readString(pidFile).strip() + "); ./tourniquet down stops it.");
            return 1;
        }
        Files.createDirectories(options.stateDir());
        Files.writeString(pidFile, Long.toString(ProcessHandle.current().pid()));
        Instant started = Instant.now();
        OUT.printf("Starting Kafka, 4 services and %d simulated servers (%d tenants x %d)...%n",
                options.tenants().size() * options.serversPerTenant(), options.tenants().size(), options.serversPerTenant());
        LocalStack stack;
        try {
            stack = LocalStack.start(options);
        } catch (RuntimeException e) {
            Files.deleteIfExists(pidFile);
            OUT.println("Startup failed: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            OUT.println("\nStopping...");
            stack.close();
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
                // best effort
            }
            stopped.countDown();
            OUT.println("Stopped.");
        }, "tourniquet-down"));
        Files.write(options.stateDir().resolve("processes.txt"), stack.services().stream()
                .map(s -> s.name() + " " + s.pid() + " " + s.httpPort()).toList());

        OUT.printf("Ready in %.1f s.%n  Kafka          %s%n", secondsSince(started), stack.bootstrapServers());
        for (ServiceProcess s : stack.services()) {
            OUT.printf("  %-24s %s  (API docs %s/q/swagger-ui, health /q/health, metrics /q/metrics)%n", s.name(), s.baseUrl(), s.baseUrl());
        }
        OUT.printf("  Logs: %s%n  State per server: %s/api/v1/state%nLive summary (Ctrl-C or ./tourniquet down to stop):%n",
                options.stateDir().resolve("logs"), stack.service("audit-service").baseUrl());
        String last = "";
        boolean reportedSettled = false;
        while (!stopped.await(2, TimeUnit.SECONDS)) {
            Map<String, Map<String, Long>> summary;
            try {
                summary = stack.summary();
            } catch (RuntimeException e) {
                if (!stopping.get()) {
                    OUT.println("  (audit-service not answering: " + e.getMessage() + ")");
                }
                continue;
            }
            String line = LocalStack.describe(summary);
            if (!line.equals(last)) {
                OUT.printf("  [%6.1f s] %s%n", secondsSince(started), line);
                last = line;
            }
            if (!reportedSettled && LocalStack.settled(summary, options.tenants().size())) {
                reportedSettled = true;
                OUT.printf("  All commands resolved %.1f s after start. Memory (RSS): %s%n", secondsSince(started), rss(stack));
            }
        }
        return 0;
    }

    private static String rss(LocalStack stack) {
        StringBuilder sb = new StringBuilder();
        stack.rssKb().forEach((name, kb) -> sb.append(name).append(' ').append(kb / 1024).append(" MB, "));
        return sb.substring(0, sb.length() - 2);
    }

    private static int down(Path home) throws Exception {
        Path pidFile = LocalStack.Options.defaults(home).stateDir().resolve("launcher.pid");
        if (!Files.exists(pidFile)) {
            OUT.println("Tourniquet is not running.");
            return 0;
        }
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        var handle = ProcessHandle.of(pid);
        if (handle.isEmpty()) {
            Files.deleteIfExists(pidFile);
            OUT.println("Tourniquet is not running (stale pid " + pid + ").");
            return 0;
        }
        handle.get().destroy();
        handle.get().onExit().get(60, TimeUnit.SECONDS);
        OUT.println("Stopped (pid " + pid + ").");
        return 0;
    }

    private static int status(Path home) throws IOException {
        Path processes = LocalStack.Options.defaults(home).stateDir().resolve("processes.txt");
        Path pidFile = LocalStack.Options.defaults(home).stateDir().resolve("launcher.pid");
        if (!Files.exists(pidFile)) {
            OUT.println("Tourniquet is not running.");
            return 1;
        }
        long launcher = Long.parseLong(Files.readString(pidFile).strip());
        OUT.printf("%-24s pid %-8d RSS %5d MB%n", "launcher+kafka", launcher, Rss.ofPid(launcher) / 1024);
        for (String line : Files.readAllLines(processes)) {
            String[] p = line.split(" ");
            long pid = Long.parseLong(p[1]);
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            OUT.printf("%-24s pid %-8d RSS %5d MB  http://127.0.0.1:%s  %s%n", p[0], pid, Rss.ofPid(pid) / 1024, p[2], alive ? "running" : "EXITED");
        }
        return 0;
    }

    private static double secondsSince(Instant start) {
        return Duration.between(start, Instant.now()).toMillis() / 1000.0;
    }
}
