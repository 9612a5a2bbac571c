package io.tourniquet.agent.backend.nginx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tourniquet.agent.backend.BackendException;
import io.tourniquet.agent.backend.EnforcementLog;
import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.RequestCondition;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import com.sun.net.httpserver.HttpServer;
import io.tourniquet.schemas.EnforcementCount;
import io.tourniquet.schemas.RewriteResponseHeader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real nginx (Debian's, with its njs module; .ci/run installs them) proxying to a local upstream that answers as
 * Exchange does (X-OWA-Version, a Content-Security-Policy on every page), and real HTTP requests: M1.1's URL-encoded
 * and mixed-case exploit variants are refused and counted, normal Outlook traffic passes, M2.1 rewrites OWA's CSP.
 */
class NginxBackendTest {

    private static final Path NGINX = Path.of(System.getProperty("tourniquet.test.nginx", "/usr/sbin/nginx"));
    private static final Path NJS = Path.of("/usr/lib/nginx/modules/ngx_http_js_module.so");

    static final MitigationDefinition M11 = MitigationDefinition.newBuilder().setId("M1.1").setRevision(1).setTitle("ProxyNotShell")
            .setProduct("Exchange").setActions(List.of(BlockRequests.newBuilder().setRuleName("EEMS M1.1 PowerShell - inbound")
                    .setResponse(BlockResponse.ABORT_REQUEST).setConditions(List.of(
                            new RequestCondition("{UrlDecode:{REQUEST_URI}}", "(?=.*autodiscover)(?=.*powershell)", true, false)))
                    .build())).build();

    @TempDir
    Path dir;
    private Path config;
    private int port;
    private int unprotectedPort;
    private NginxBackend backend;
    private HttpServer exchange;
    private final AtomicReference<String> owaVersion = new AtomicReference<>(EXCHANGE_BUILD);

    static final String EXCHANGE_BUILD = "15.2.1544.4";
    static final String EXCHANGE_CSP = "default-src 'self'";

    /** Answers every path as Exchange's front end would, for this test: OWA's service calls are JSON, the rest HTML. */
    private void startExchange() throws IOException {
        exchange = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        exchange.createContext("/", http -> {
            String version = owaVersion.get();
            if (version != null) {
                http.getResponseHeaders().add("X-OWA-Version", version);
            }
            http.getResponseHeaders().add("Content-Security-Policy", EXCHANGE_CSP);
            boolean json = http.getRequestURI().getPath().toLowerCase(Locale.ROOT).startsWith("/owa/service.svc");
            http.getResponseHeaders().add("Content-Type", json ? "application/json; charset=utf-8" : "text/html; charset=utf-8");
            byte[] body = "exchange\n".getBytes(StandardCharsets.UTF_8);
            http.sendResponseHeaders(200, body.length);
            http.getResponseBody().write(body);
            http.close();
        });
        exchange.start();
    }

    @BeforeEach
    void startNginx() throws Exception {
        startExchange();
        assertThat(NGINX).as("nginx is installed (./tourniquet test and .ci/run install it)").isExecutable();
        try (ServerSocket socket = new ServerSocket(0); ServerSocket other = new ServerSocket(0)) {
            port = socket.getLocalPort();
            unprotectedPort = other.getLocalPort();
        }
        Path include = dir.resolve("tourniquet");
        config = dir.resolve("nginx.conf");
        Files.writeString(config, """
                load_module %s;
                %s
                pid %s/nginx.pid;
                error_log %s/error.log warn;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path %s/body; proxy_temp_path %s/proxy; fastcgi_temp_path %s/fastcgi;
                    uwsgi_temp_path %s/uwsgi; scgi_temp_path %s/scgi;
                    include %s/tourniquet-http.conf;
                    include %s/site-extra.conf;
                    server {
                        listen 127.0.0.1:%d;
                        include %s/tourniquet-server.conf;
                        location / { include %s/tourniquet-location.conf; proxy_pass http://127.0.0.1:%d; }
                    }
                    server {
                        listen 127.0.0.1:%d;
                        location / { return 200 "a site without the Tourniquet include\\n"; }
                    }
                }
                """.formatted(NJS, "root".equals(System.getProperty("user.name")) ? "user root;" : "", dir, dir, dir, dir, dir, dir, dir,
                include, dir, port, include, include, exchange.getAddress().getPort(), unprotectedPort));
        Files.writeString(dir.resolve("site-extra.conf"), "");
        backend = new NginxBackend(include, NGINX, config, Optional.of(URI.create("http://127.0.0.1:" + port + "/")),
                Optional.of(URI.create("http://127.0.0.1:" + port + "/owa/")),
                Optional.of(new EnforcementLog(EnforcementLog.file(dir.resolve("error.log")), dir.resolve("enforcement.json"), new NginxErrorLog(ZoneId.systemDefault()))));
        backend.install();
        Process start = new ProcessBuilder(NGINX.toString(), "-c", config.toString()).redirectErrorStream(true).start();
        assertThat(start.waitFor()).as(new String(start.getInputStream().readAllBytes())).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status("/owa/")).isEqualTo(200));
    }

    /** By pid, not with nginx -s stop: that parses the configuration first, and some tests break it on purpose. */
    @AfterEach
    void stopNginx() throws Exception {
        exchange.stop(0);
        long pid = Long.parseLong(Files.readString(dir.resolve("nginx.pid")).strip());
        ProcessHandle.of(pid).ifPresent(master -> {
            master.destroy();
            master.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
        });
    }

    /** What nginx's 444 looks like to a client (IIS's AbortRequest): the connection was accepted, then closed unanswered. */
    private static final int CLOSED_UNANSWERED = -1;

    /**
     * After a reload, a worker of the old configuration can still accept a connection until it has handled its signal
     * to quit, even after a new worker answered (a fresh clone's run met an enforcing answer right after log-only had
     * answered): waits until the master has its one worker again.
     */
    private void awaitOldWorkersGone() throws IOException {
        long master = Long.parseLong(Files.readString(dir.resolve("nginx.pid")).strip());
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(master).orElseThrow().children().count() == 1);
    }

    /**
     * The HTTP status nginx answers with, or {@link #CLOSED_UNANSWERED}. A refused connection or no answer at all is not
     * a block but a dead or hung nginx, and fails the assertion: only an accepted connection closed without a byte is.
     */
    private int status(String pathAndQuery) {
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            } catch (IOException e) {
                throw new AssertionError("nginx does not accept connections on " + port + ": " + e);
            }
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] answer;
            try {
                answer = socket.getInputStream().readAllBytes();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("nginx accepted " + pathAndQuery + " but did not answer nor close within 5 s");
            } catch (SocketException e) {
                return CLOSED_UNANSWERED; // reset after accepting: closed without an answer too
            }
            if (answer.length == 0) {
                return CLOSED_UNANSWERED;
            }
            String statusLine = new String(answer, StandardCharsets.US_ASCII).lines().findFirst().orElse("");
            if (!statusLine.startsWith("HTTP/1.1 ")) {
                throw new AssertionError("not an HTTP answer to " + pathAndQuery + ": " + statusLine);
            }
            return Integer.parseInt(statusLine.substring(9, 12));
        } catch (IOException e) {
            throw new AssertionError("request " + pathAndQuery + " failed: " + e, e);
        }
    }

    /** Refused the way IIS's AbortRequest refuses, by a running nginx that still serves normal traffic. */
    private void assertBlocked(String pathAndQuery) {
        assertThat(status(pathAndQuery)).as("%s closed without an answer", pathAndQuery).isEqualTo(CLOSED_UNANSWERED);
        assertThat(status("/owa/")).as("normal traffic after blocking %s", pathAndQuery).isEqualTo(200);
    }

    private static final List<String> EXPLOITS = List.of(
            "/autodiscover/autodiscover.json?@evil.com/PowerShell/?&Email=autodiscover/autodiscover.json%3F@evil.com",
            "/autodiscover/autodiscover.json?@evil.com/%50owershell/&Email=x",
            "/AutoDiscover/autodiscover.json?@evil.com/%70%6F%77%65%72%73%68%65%6C%6C/",
            "/%61utodiscover/autodiscover.json?a=POWERSHELL");

    private static final List<String> NORMAL = List.of(
            "/owa/", "/owa/auth/logon.aspx?replaceCurrent=1", "/EWS/Exchange.asmx", "/Microsoft-Server-ActiveSync?Cmd=Sync&User=a",
            "/autodiscover/autodiscover.xml", "/mapi/emsmdb/?MailboxId=x", "/ecp/", "/powershell-docs/readme");

    @Test
    void blocksEncodedExploitVariantsAndPassesNormalTrafficThenRemovesCleanly() throws Exception {
        assertThat(EXPLOITS).allSatisfy(path -> assertThat(status(path)).as(path).isEqualTo(200)); // not mitigated yet

        var evidence = backend.apply(M11);
        assertThat(evidence.getVerification()).contains("nginx -t passed").contains("the running nginx enforced a probe request naming each rule (1 rule(s))");
        assertThat(backend.inForce(M11)).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> EXPLOITS.forEach(this::assertBlocked));
        assertThat(NORMAL).allSatisfy(path -> assertThat(status(path)).as(path).isEqualTo(200));

        backend.remove(M11);
        assertThat(backend.inForce(M11)).isFalse();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(EXPLOITS).allSatisfy(path -> assertThat(status(path)).as(path).isEqualTo(200)));
    }

    @Test
    void aRuleTheRunningNginxDoesNotEnforceFailsTheCommandAndIsTakenOutAgain() throws Exception {
        var notEnforcing = failingProbe(URI.create("http://127.0.0.1:" + unprotectedPort + "/"));
        assertThatThrownBy(() -> notEnforcing.apply(M11)).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.getMessage()).contains("was not refused").contains("does not enforce it");
            assertThat(e.rollback()).startsWith("restored");
        });
        assertThat(notEnforcing.inForce(M11)).isFalse();
    }

    @Test
    void aProbeThatFindsNothingListeningIsNotTakenForEnforcement() throws Exception {
        int nothingListens;
        try (ServerSocket socket = new ServerSocket(0)) {
            nothingListens = socket.getLocalPort();
        }
        var deadNginx = failingProbe(URI.create("http://127.0.0.1:" + nothingListens + "/"));
        assertThatThrownBy(() -> deadNginx.apply(M11)).isInstanceOfSatisfying(BackendException.class,
                e -> assertThat(e.getMessage()).contains("was not refused"));
        assertThat(deadNginx.inForce(M11)).isFalse();
    }

    @Test
    void inShadowModeExploitsPassAndAreLoggedAsWouldBeBlocked() throws Exception {
        var evidence = backend.applyShadow(M11);
        assertThat(evidence.getChanges()).singleElement().satisfies(c -> assertThat(c).contains("log-only"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(status(EXPLOITS.get(1))).isEqualTo(200);
            assertThat(Files.readString(dir.resolve("error.log"))).contains("tourniquet enforcement: would-block mitigation=\"M1.1\" rule=\"EEMS M1.1 PowerShell - inbound\"");
        });
        assertThat(backend.inForce(M11)).as("not enforcing").isFalse();
        backend.apply(M11);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertBlocked(EXPLOITS.get(1)));
    }

    @Test
    void aDisabledVirtualDirectoryIsRefusedWhateverItsCaseOrEncodingAndOthersPass() throws Exception {
        var closeEcp = MitigationDefinition.newBuilder().setId("V1").setRevision(1).setTitle("close ECP").setProduct("Exchange")
                .setActions(List.of(new io.tourniquet.schemas.DisableVirtualDirectory("Default Web Site", "/ecp"))).build();
        backend.apply(closeEcp);
        List<String> ecp = List.of("/ecp/", "/ecp", "/ECP/default.aspx", "/%65cp/DDI/DDIService.svc", "//ecp/x", "/owa/../ecp/");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ecp).allSatisfy(path -> assertThat(status(path)).as(path).isEqualTo(403)));
        assertThat(List.of("/owa/", "/ecpx/", "/EWS/Exchange.asmx", "/owa/ecp")).allSatisfy(path -> assertThat(status(path)).as(path).isEqualTo(200));

        backend.remove(closeEcp);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status("/ecp/")).isEqualTo(200));
    }

    @Test
    void aConfigurationNginxRefusesIsPutBackAndTheOldRulesStayInForce() throws Exception {
        backend.apply(M11);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertBlocked(EXPLOITS.get(1)));
        String before = Files.readString(dir.resolve("tourniquet").resolve(NginxBackend.MODULE));
        Files.writeString(dir.resolve("site-extra.conf"), "this is not a directive;\n"); // someone broke the site's configuration

        var heartbeat = MitigationDefinition.newBuilder().setId("PING1").setRevision(1).setTitle("ping").setProduct("Exchange")
                .setActions(List.of(new io.tourniquet.schemas.Heartbeat(""))).build();
        assertThatThrownBy(() -> backend.apply(heartbeat)).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.getMessage()).contains("nginx -t refused").contains("this");
            assertThat(e.rollback()).startsWith("restored");
        });
        assertThat(Files.readString(dir.resolve("tourniquet").resolve(NginxBackend.MODULE))).isEqualTo(before);
        assertBlocked(EXPLOITS.get(1)); // nginx was not reloaded: M1.1 still blocks
    }

    @Test
    void aPatternThatCannotCompileIsRefusedBeforeAnyChange() throws Exception {
        String before = Files.readString(dir.resolve("tourniquet").resolve(NginxBackend.MODULE));
        var broken = MitigationDefinition.newBuilder().setId("BAD").setRevision(1).setTitle("bad").setProduct("Exchange")
                .setActions(List.of(BlockRequests.newBuilder().setRuleName("bad").setResponse(BlockResponse.FORBIDDEN)
                        .setConditions(List.of(new RequestCondition("{REQUEST_URI}", "(unclosed", true, false))).build())).build();
        assertThatThrownBy(() -> backend.apply(broken)).isInstanceOf(BackendException.class).hasMessageContaining("invalid pattern");
        assertThat(Files.readString(dir.resolve("tourniquet").resolve(NginxBackend.MODULE))).isEqualTo(before);
    }

    @Test
    void actionsNginxCannotCarryOutAreRefusedBeforeAnyChange() {
        var service = MitigationDefinition.newBuilder().setId("S").setRevision(1).setTitle("s").setProduct("Exchange")
                .setActions(List.of(new io.tourniquet.schemas.DisableService("W3SVC"))).build();
        assertThatThrownBy(() -> backend.apply(service)).isInstanceOf(BackendException.class).hasMessageContaining("does not carry out DISABLE_SERVICE").hasMessageContaining("Windows service");
    }

    @Test
    void theExchangeBuildIsReadFromXOwaVersionThroughNginxAndNginxFromItself() {
        var facts = backend.facts();
        assertThat(facts.build()).isEqualTo(EXCHANGE_BUILD);
        assertThat(facts.components().get("nginx")).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(facts.components().get("nginx-modules")).contains("http_ssl").contains("http_realip");
        assertThat(facts.installedUpdates()).as("not visible from the proxy").isNull();
        assertThat(facts.unreadable()).containsKey("installedUpdates").doesNotContainKey("build");

        owaVersion.set(null);
        assertThat(backend.facts()).satisfies(unknown -> {
            assertThat(unknown.build()).isNull();
            assertThat(unknown.unreadable().get("build")).contains("200 without an X-OWA-Version header");
        });
        owaVersion.set("15.2.1544.4<script>");
        assertThat(backend.facts().unreadable().get("build")).contains("not a build number");

        var notConfigured = new NginxBackend(dir.resolve("tourniquet"), NGINX, config);
        assertThat(notConfigured.facts().build()).isNull();
        assertThat(notConfigured.facts().unreadable().get("build")).contains("tourniquet.agent.nginx.exchange-url is not set");
    }

    @Test
    void blockedAndWouldBeBlockedRequestsAreCountedPerMitigationOnceEach() throws Exception {
        assertThat(backend.enforcementCounts()).isEmpty();
        backend.apply(M11); // returns once a new worker refuses the probe (which is not counted)
        // an old worker may still take a connection for a moment after the reload: once it is gone, count from there
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(EXPLOITS.get(0))).isEqualTo(CLOSED_UNANSWERED));
        awaitOldWorkersGone();
        long blockedBefore = backend.enforcementCounts().get(0).getBlocked();
        EXPLOITS.forEach(this::assertBlocked);
        NORMAL.forEach(path -> assertThat(status(path)).isEqualTo(200));
        assertThat(backend.enforcementCounts()).singleElement().satisfies(m11 -> {
            assertThat(m11.getMitigationId()).isEqualTo("M1.1");
            assertThat(m11.getBlocked()).isEqualTo(blockedBefore + EXPLOITS.size());
            assertThat(m11.getWouldBlock()).isZero();
            assertThat(m11.getFirstSeenAt()).isNotNull().isBeforeOrEqualTo(m11.getLastSeenAt());
        });

        backend.applyShadow(M11); // the same rule, log-only: exploits pass and are counted as would-be-blocked
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(EXPLOITS.get(1))).isEqualTo(200));
        awaitOldWorkersGone();
        EnforcementCount settled = backend.enforcementCounts().get(0); // requests during the reload went to one worker or the other
        List<String> sent = List.of(EXPLOITS.get(0), EXPLOITS.get(2), EXPLOITS.get(3));
        sent.forEach(path -> assertThat(status(path)).as(path).isEqualTo(200));
        assertThat(backend.enforcementCounts()).singleElement().satisfies(m11 -> {
            assertThat(m11.getBlocked()).isEqualTo(settled.getBlocked()).isGreaterThanOrEqualTo(EXPLOITS.size());
            assertThat(m11.getWouldBlock()).isEqualTo(settled.getWouldBlock() + sent.size());
        });

        // a restarted agent reads the counts it kept and counts nothing twice
        var restarted = new EnforcementLog(EnforcementLog.file(dir.resolve("error.log")), dir.resolve("enforcement.json"), new NginxErrorLog(ZoneId.systemDefault()));
        assertThat(restarted.counts()).singleElement().satisfies(m11 -> {
            assertThat(m11.getBlocked()).isEqualTo(settled.getBlocked());
            assertThat(m11.getWouldBlock()).isEqualTo(settled.getWouldBlock() + sent.size());
        });
    }

    /** As the bundled catalog defines M2.1 (feed-trust's bundled-catalog.json). */
    static final MitigationDefinition M21 = MitigationDefinition.newBuilder().setId("M2.1").setRevision(1).setTitle("OWA CSP").setProduct("Exchange")
            .setActions(List.of(RewriteResponseHeader.newBuilder().setRuleName("EEMS M2.1 OWA CSP - outbound").setPathPattern("^/owa/")
                    .setHeaderName("Content-Security-Policy").setAppendValue("script-src-attr 'none'").build())).build();

    @Test
    void m21AppendsToTheCspOfOwaHtmlPagesAndNowhereElse() throws Exception {
        assertThat(csp("/owa/")).isEqualTo(EXCHANGE_CSP);

        backend.apply(M21);
        assertThat(backend.inForce(M21)).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(csp("/owa/")).isEqualTo(EXCHANGE_CSP + "; script-src-attr 'none'"));
        assertThat(csp("/OWA/auth/logon.aspx?replaceCurrent=1")).isEqualTo(EXCHANGE_CSP + "; script-src-attr 'none'");
        assertThat(List.of("/ecp/", "/EWS/Exchange.asmx", "/owa", "/x/owa/", "/owa/service.svc?action=GetItem"))
                .as("other paths, and OWA's JSON").allSatisfy(path -> assertThat(csp(path)).as(path).isEqualTo(EXCHANGE_CSP));

        backend.remove(M21);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(csp("/owa/")).isEqualTo(EXCHANGE_CSP));
    }

    @Test
    void aHeaderRuleALocationDoesNotRunFailsTheCommandNamingTheIncludeAndIsTakenOutAgain() throws Exception {
        var notFiltering = failingProbe(URI.create("http://127.0.0.1:" + unprotectedPort + "/"));
        assertThatThrownBy(() -> notFiltering.apply(M21)).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.getMessage()).contains("was not marked").contains("tourniquet-location.conf");
            assertThat(e.rollback()).startsWith("restored");
        });
        assertThat(notFiltering.inForce(M21)).isFalse();
        // restored and reloaded: the workers that ran the rule may answer for a moment more
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(csp("/owa/")).isEqualTo(EXCHANGE_CSP));
    }

    @Test
    void anAgentUpgradedWithRulesInForceWritesTheLocationIncludeBeforeNginxNeedsIt() throws Exception {
        backend.apply(M11);
        Files.delete(dir.resolve("tourniquet").resolve(NginxBackend.LOCATION_INCLUDE)); // as an older release left it
        String rules = Files.readString(dir.resolve("tourniquet").resolve(NginxBackend.RULES));
        backend.install();
        assertThat(dir.resolve("tourniquet").resolve(NginxBackend.LOCATION_INCLUDE)).content().contains("js_header_filter tourniquet.headers;");
        assertThat(dir.resolve("tourniquet").resolve(NginxBackend.RULES)).content().isEqualTo(rules);
        assertThat(backend.inForce(M11)).isTrue();
    }

    @Test
    void aHeaderRuleThatCouldSplitTheResponseIsRefusedBeforeAnyChange() throws Exception {
        String before = Files.readString(dir.resolve("tourniquet").resolve(NginxBackend.MODULE));
        var split = MitigationDefinition.newBuilder().setId("BAD").setRevision(1).setTitle("bad").setProduct("Exchange")
                .setActions(List.of(RewriteResponseHeader.newBuilder().setRuleName("bad").setPathPattern("^/owa/")
                        .setHeaderName("Content-Security-Policy").setAppendValue("x\r\nSet-Cookie: a=b").build())).build();
        assertThatThrownBy(() -> backend.apply(split)).isInstanceOf(BackendException.class).hasMessageContaining("printable ASCII on one line");
        assertThat(Files.readString(dir.resolve("tourniquet").resolve(NginxBackend.MODULE))).isEqualTo(before);
    }

    /** A backend whose probe goes where nothing enforces the rules: it gives up after 2 s instead of 10. */
    private NginxBackend failingProbe(URI probe) {
        return new NginxBackend(dir.resolve("tourniquet"), NGINX, config, Optional.of(probe), Duration.ofSeconds(2), Optional.empty(), Optional.empty());
    }

    private String csp(String pathAndQuery) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).build(), HttpResponse.BodyHandlers.discarding())
                    .headers().allValues("Content-Security-Policy").stream().reduce((a, b) -> a + " | " + b).orElse("");
        } catch (IOException e) {
            throw new AssertionError(pathAndQuery + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();
}
