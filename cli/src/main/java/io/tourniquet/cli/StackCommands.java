package io.tourniquet.cli;

import io.tourniquet.devstack.LocalStack;
import io.tourniquet.devstack.Rss;
import io.tourniquet.devstack.ServiceProcess;
import io.tourniquet.devstack.StackLogins;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** ./tourniquet up | down | status: the whole pipeline on this machine, on embedded defaults. */
final class StackCommands {

    private StackCommands() {
    }

    private static Path pidFile() {
        return LocalStack.Options.defaults(Cli.home()).stateDir().resolve("launcher.pid");
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Run the whole pipeline locally: an embedded Kafka broker, the four services, the operator console and a simulated fleet "
                    + "(Ctrl-C or ./tourniquet down stops it). Builds what is missing first.")
    static final class Up implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--tenants", paramLabel = "N", description = "tenants of the simulated fleet (default: ${DEFAULT-VALUE})", defaultValue = "3")
        int tenants;

        @Option(names = "--servers", paramLabel = "M", description = "servers per tenant (default: ${DEFAULT-VALUE})", defaultValue = "3")
        int servers;

        @Option(names = "--failure-rate", paramLabel = "RATE", description = "share of applies that fail, 0..1 (default: ${DEFAULT-VALUE})",
                defaultValue = "0")
        double failureRate;

        @Option(names = "--plaintext-kafka", description = "run the broker without TLS, authentication and ACLs (anyone who reaches "
                + "its port can command every server): for debugging only")
        boolean plaintextKafka;

        @Override
        public Integer call() throws Exception {
            if (tenants < 1 || servers < 1 || failureRate < 0 || failureRate > 1) {
                throw new IllegalArgumentException("--tenants and --servers must be at least 1, --failure-rate between 0 and 1");
            }
            LocalStack.Options defaults = LocalStack.Options.defaults(Cli.home());
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= tenants; i++) {
                names.add(i <= defaults.tenants().size() ? defaults.tenants().get(i - 1) : "tenant-" + i);
            }
            return up(new LocalStack.Options(defaults.home(), defaults.stateDir(), names, servers, defaults.kafkaPort(), defaults.basePort(),
                    failureRate, defaults.auditDatabase(), plaintextKafka).withSharedClassData());
        }

        private int up(LocalStack.Options options) throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path pidFile = options.stateDir().resolve("launcher.pid");
            if (Files.exists(pidFile) && ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).map(ProcessHandle::isAlive).orElse(false)) {
                spec.commandLine().getErr().println("Tourniquet is already running (pid " + Files.readString(pidFile).strip() + "); ./tourniquet down stops it.");
                return Cli.FAILED;
            }
            Files.createDirectories(options.stateDir());
            Files.writeString(pidFile, Long.toString(ProcessHandle.current().pid()));
            Instant started = Instant.now();
            out.printf("Starting Kafka, 4 services, the console and %d simulated servers (%d tenants x %d)...%n",
                    options.tenants().size() * options.serversPerTenant(), options.tenants().size(), options.serversPerTenant());
            if (options.plaintextKafka()) {
                spec.commandLine().getErr().println("WARNING: --plaintext-kafka: the broker has no TLS, no authentication and no ACLs; "
                        + "anyone who reaches port " + options.kafkaPort() + " can publish mitigations and command every server.");
            }
            out.flush();
            LocalStack stack;
            try {
                stack = LocalStack.start(options);
            } catch (RuntimeException e) {
                Files.deleteIfExists(pidFile);
                spec.commandLine().getErr().println("Startup failed: " + e.getMessage());
                return Cli.FAILED;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            AtomicBoolean stopping = new AtomicBoolean();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stopping.set(true);
                out.println("\nStopping...");
                out.flush();
                stack.close();
                try {
                    Files.deleteIfExists(pidFile);
                } catch (IOException ignored) {
                    // best effort
                }
                stopped.countDown();
                out.println("Stopped.");
                out.flush();
            }, "tourniquet-down"));
            Files.write(options.stateDir().resolve("processes.txt"), stack.services().stream()
                    .map(s -> s.name() + " " + s.pid() + " " + s.baseUrl()).toList());

            out.printf("Ready in %.1f s.%n", secondsSince(started));
            if (stack.secured()) {
                out.printf("  Kafka          %s  (TLS + SCRAM-SHA-512 + ACLs; CA certificate %s, credentials per principal in %s)%n",
                        stack.bootstrapServers(), options.stateDir().resolve("tls").resolve("ca.crt"), options.stateDir().resolve("credentials"));
            } else {
                out.printf("  Kafka          %s  WARNING: plaintext, no authentication, no ACLs (--plaintext-kafka)%n", stack.bootstrapServers());
            }
            // the console is printed below with its sign-in; its health is at /q/health too, it has no API of its own
            for (ServiceProcess s : stack.services().stream().filter(s -> !s.name().equals("console")).toList()) {
                out.printf("  %-24s %s  (API docs %s/q/swagger-ui, health /q/health, metrics /q/metrics)%n", s.name(), s.baseUrl(), s.baseUrl());
            }
            Path state = options.stateDir();
            out.printf("  Console        %s  sign in as %s / %s (msp-admin), or %s / %s (operator of %s)%n", stack.consoleUrl(),
                    StackLogins.ADMIN, StackLogins.secret(state, StackLogins.ADMIN), StackLogins.OPERATOR,
                    StackLogins.secret(state, StackLogins.OPERATOR), options.tenants().get(0));
            out.printf("                 (the browser must trust the local CA %s)%n", state.resolve("tls").resolve("ca.crt"));
            out.printf("  Identity       %s  (OpenID Connect issuer: every API needs one of its tokens)%n", stack.issuer().url());
            out.printf("    ./tourniquet login    then sign in as %s / %s  (msp-admin of every tenant)%n", StackLogins.ADMIN,
                    StackLogins.secret(state, StackLogins.ADMIN));
            out.printf("    also: %s (operator of %s), %s (auditor of %s); passwords in %s/<name>.secret%n", StackLogins.OPERATOR,
                    options.tenants().get(0), StackLogins.AUDITOR, options.tenants().get(0), state.resolve("credentials"));
            out.printf("    automation: ./tourniquet login --client-id %s --client-secret-file %s  (auditor of every tenant)%n",
                    StackLogins.COMPLIANCE_CLIENT, StackLogins.secretFile(state, StackLogins.COMPLIANCE_CLIENT));
            out.printf("  Logs: %s%n  State per server: %s/api/v1/state%nLive summary (Ctrl-C or ./tourniquet down to stop):%n",
                    options.stateDir().resolve("logs"), stack.service("audit-service").baseUrl());
            out.flush();
            String last = "";
            boolean reportedSettled = false;
            while (!stopped.await(2, TimeUnit.SECONDS)) {
                Map<String, Map<String, Long>> summary;
                try {
                    summary = stack.summary();
                } catch (RuntimeException e) {
                    if (!stopping.get()) {
                        out.println("  (audit-service not answering: " + e.getMessage() + ")");
                    }
                    continue;
                }
                String line = LocalStack.describe(summary);
                if (!line.equals(last)) {
                    out.printf("  [%6.1f s] %s%n", secondsSince(started), line);
                    last = line;
                }
                if (!reportedSettled && LocalStack.settled(summary, options.tenants().size())) {
                    reportedSettled = true;
                    out.printf("  All commands resolved %.1f s after start. Memory (RSS): %s%n", secondsSince(started), rss(stack));
                }
                out.flush();
            }
            return Cli.OK;
        }

        private static String rss(LocalStack stack) {
            StringBuilder sb = new StringBuilder();
            stack.rssKb().forEach((name, kb) -> sb.append(name).append(' ').append(kb / 1024).append(" MB, "));
            return sb.substring(0, sb.length() - 2);
        }

        private static double secondsSince(Instant start) {
            return Duration.between(start, Instant.now()).toMillis() / 1000.0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop what 'up' started.")
    static final class Down implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (!Files.exists(pidFile())) {
                out.println("Tourniquet is not running.");
                return Cli.OK;
            }
            long pid = Long.parseLong(Files.readString(pidFile()).strip());
            var handle = ProcessHandle.of(pid);
            if (handle.isEmpty()) {
                Files.deleteIfExists(pidFile());
                out.println("Tourniquet is not running (stale pid " + pid + ").");
                return Cli.OK;
            }
            handle.get().destroy();
            handle.get().onExit().get(60, TimeUnit.SECONDS);
            out.println("Stopped (pid " + pid + ").");
            return Cli.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Each process 'up' started: its port, memory and whether it runs.")
    static final class Status implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (!Files.exists(pidFile())) {
                out.println("Tourniquet is not running.");
                return Cli.FAILED;
            }
            long launcher = Long.parseLong(Files.readString(pidFile()).strip());
            out.printf("%-24s pid %-8d RSS %5d MB%n", "launcher+kafka", launcher, Rss.ofPid(launcher) / 1024);
            for (String line : Files.readAllLines(pidFile().resolveSibling("processes.txt"))) {
                String[] p = line.split(" ");
                long pid = Long.parseLong(p[1]);
                boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                out.printf("%-24s pid %-8d RSS %5d MB  %s  %s%n", p[0], pid, Rss.ofPid(pid) / 1024, p[2], alive ? "running" : "EXITED");
            }
            return Cli.OK;
        }
    }
}
