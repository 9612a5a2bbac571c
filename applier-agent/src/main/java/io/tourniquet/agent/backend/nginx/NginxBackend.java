package io.tourniquet.agent.backend.nginx;

import io.tourniquet.agent.backend.EnforcementLog;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.util.regex.PatternSyntaxException;
import javax.net.ssl.SSLException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.agent.backend.ActionSupport;
import io.tourniquet.agent.backend.Backend;
import io.tourniquet.agent.backend.BackendException;
import io.tourniquet.agent.backend.ServerFacts;
import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.DisableVirtualDirectory;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.RequestCondition;
import io.tourniquet.schemas.RewriteResponseHeader;
import io.tourniquet.schemas.EnforcementCount;
import io.tourniquet.schemas.actions.ActionType;
import io.tourniquet.schemas.crypto.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * nginx as the reverse proxy in front of Exchange. Request-blocking rules are evaluated the way IIS URL Rewrite does
 * (the request URI decoded once, case ignored unless the rule says otherwise) by a small njs module that Tourniquet
 * writes, with the rules in it. Patterns are checked before anything changes (nginx -t does not compile them); every
 * change is then checked with {@code nginx -t} before nginx reloads; a configuration
 * that does not pass is put back as it was and the command fails with nginx's own message.
 * <p>The MSP's nginx.conf loads {@code ngx_http_js_module} and includes {@code tourniquet-http.conf} in {@code http},
 * {@code tourniquet-server.conf} in the Exchange {@code server} and {@code tourniquet-location.conf} in each of its
 * locations that proxy to Exchange (njs filters response headers only at location level).
 */
public class NginxBackend implements Backend {

    static final String HTTP_INCLUDE = "tourniquet-http.conf";
    static final String SERVER_INCLUDE = "tourniquet-server.conf";
    static final String LOCATION_INCLUDE = "tourniquet-location.conf";
    static final String MODULE = "tourniquet.js";
    static final String RULES = "tourniquet-rules.json";
    /** Where the rules go in the njs program; an empty list there when the program is read alone. */
    static final String RULES_MARKER = "/*TOURNIQUET_RULES*/[]";
    static final String NJS_PROGRAM = njsProgram();
    private static final Pattern INPUT = Pattern.compile("\\{UrlDecode:\\{REQUEST_URI\\}\\}|\\{REQUEST_URI\\}|\\{QUERY_STRING\\}|\\{HTTP_[A-Z0-9_]+\\}");
    private static final Pattern VIRTUAL_PATH = Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}){1,8}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEADER_RULE = "header";
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,63}");
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\x20-\\x7E]{1,1024}");

    static final String PROBE_HEADER = "X-Tourniquet-Probe";
    /** How long old workers may keep answering after a reload before a probe that was not refused fails the command. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    private final Path includeDir;
    private final Path nginx;
    private final Path mainConfig;
    private final Optional<URI> probeUrl;
    private final Duration probeTimeout;
    private final NginxInventory inventory;
    private final Optional<EnforcementLog> enforcementLog;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public NginxBackend(Path includeDir, Path nginx, Path mainConfig) {
        this(includeDir, nginx, mainConfig, Optional.empty());
    }

    public NginxBackend(Path includeDir, Path nginx, Path mainConfig, Optional<URI> probeUrl) {
        this(includeDir, nginx, mainConfig, probeUrl, Optional.empty(), Optional.empty());
    }

    /**
     * @param probeUrl where the running nginx answers on loopback (e.g. https://127.0.0.1/): after a reload, a request
     *                 naming each new rule in the {@value #PROBE_HEADER} header must be refused, proving that the
     *                 workers now serving enforce it; none: the check stops at nginx -t, reload and re-read
     * @param exchangeUrl an Exchange page reached through this nginx (e.g. https://127.0.0.1/owa/): its X-OWA-Version
     *                 header is the Exchange build reported with the inventory; none: the build is reported unknown
     * @param enforcementLog the requests the rules refused, counted from nginx's error log; none: no counts reported
     */
    public NginxBackend(Path includeDir, Path nginx, Path mainConfig, Optional<URI> probeUrl, Optional<URI> exchangeUrl,
            Optional<EnforcementLog> enforcementLog) {
        this(includeDir, nginx, mainConfig, probeUrl, PROBE_TIMEOUT, exchangeUrl, enforcementLog);
    }

    /** With a shorter probe timeout: for tests whose probe is meant to fail. */
    NginxBackend(Path includeDir, Path nginx, Path mainConfig, Optional<URI> probeUrl, Duration probeTimeout, Optional<URI> exchangeUrl,
            Optional<EnforcementLog> enforcementLog) {
        this.includeDir = includeDir;
        this.nginx = nginx;
        this.mainConfig = mainConfig;
        this.probeUrl = probeUrl;
        this.probeTimeout = probeTimeout;
        this.inventory = new NginxInventory(exchangeUrl, http);
        this.enforcementLog = enforcementLog;
    }

    @Override
    public String name() {
        return "nginx";
    }

    @Override
    public ActionSupport shadowMode() {
        return ActionSupport.SUPPORTED;
    }

    @Override
    public ActionSupport support(ActionType type) {
        return switch (type) {
            case BLOCK_REQUESTS, DISABLE_VIRTUAL_DIRECTORY, REWRITE_RESPONSE_HEADER, HEARTBEAT -> ActionSupport.SUPPORTED;
            case DISABLE_SERVICE -> ActionSupport.refused("a Windows service runs on the Exchange server, not on the nginx proxy in front of it");
            case DISABLE_APP_POOL -> ActionSupport.refused("an IIS application pool runs on the Exchange server, not on the nginx proxy in front of it");
            case SET_AUTHENTICATION -> ActionSupport.refused("IIS authentication settings live on the Exchange server, not on the nginx proxy in front of it");
        };
    }

    /**
     * nginx's version and modules from {@code nginx -V}; the Exchange build from the X-OWA-Version header Exchange
     * sends, read through this nginx when {@code exchangeUrl} is configured. The updates installed on the Exchange
     * server cannot be seen from the proxy: reported unknown, so none counts as installed.
     */
    @Override
    public ServerFacts facts() {
        Map<String, String> unreadable = new TreeMap<>();
        Output version = execute("-V");
        Map<String, String> components = Map.of();
        if (version.exitCode() == 0) {
            components = NginxInventory.components(version.text(), unreadable);
        } else {
            unreadable.put("nginx", "nginx -V: " + version.text());
        }
        String build = inventory.exchangeBuild(unreadable);
        unreadable.put("installedUpdates", "the nginx proxy cannot see the updates installed on the Exchange server behind it: none is taken as installed");
        return new ServerFacts(build, null, components, List.of(), unreadable);
    }

    @Override
    public List<EnforcementCount> enforcementCounts() {
        return enforcementLog.map(EnforcementLog::counts).orElse(List.of());
    }

    @Override
    public Map<String, String> prerequisites() {
        return Map.of("nginx", Files.isExecutable(nginx) ? "installed" : "missing");
    }

    /**
     * Writes the managed files with no rule, so that nginx can include them before the first mitigation; after an
     * upgrade, writes the files this release adds (tourniquet-location.conf) with the rules in force.
     */
    public synchronized void install() {
        if (!Files.exists(includeDir.resolve(RULES))) {
            writeAll(new TreeMap<>());
        } else if (!Files.exists(includeDir.resolve(LOCATION_INCLUDE))) {
            writeAll(load());
        }
    }

    @Override
    public synchronized ChangeEvidence apply(MitigationDefinition definition) throws BackendException {
        List<Map<String, Object>> rules = rulesOf(definition);
        Map<String, List<Map<String, Object>>> all = load();
        Map<String, List<Map<String, Object>>> before = new TreeMap<>(all);
        all.put(definition.getId(), rules);
        ChangeEvidence evidence = change(all, (rules.isEmpty() ? "heartbeat: nothing to change" : "rules of " + definition.getId() + " in force"));
        if (probeUrl.isEmpty() || rules.isEmpty()) {
            return evidence;
        }
        for (Map<String, Object> rule : rules) {
            String name = (String) rule.get("name");
            boolean header = HEADER_RULE.equals(rule.get("kind"));
            if (!(header ? rewrittenByRunningNginx(name) : refusedByRunningNginx(name))) {
                change(before, "restored");
                throw new BackendException("probe " + probeUrl.get() + " naming rule '" + name + "' was not " + (header ? "marked" : "refused") + " within "
                        + probeTimeout.toSeconds() + " s after the reload: the running nginx does not enforce it"
                        + (header ? " (response header rules need " + LOCATION_INCLUDE + " included in each location that proxies to Exchange)" : ""),
                        "restored: the previous rules written and nginx reloaded");
            }
        }
        evidence.setVerification(evidence.getVerification() + ", the running nginx enforced a probe request naming each rule (" + rules.size() + " rule(s))");
        return evidence;
    }

    /** The probe request naming a header rule comes back marked by the filter of the location it reached. */
    private boolean rewrittenByRunningNginx(String ruleName) {
        return probe(ruleName, response -> response.map(r -> r.headers().firstValue(PROBE_HEADER).filter(ruleName::equals).isPresent()).orElse(false));
    }

    /** The probe request naming a blocking rule is refused: 403, or 444 (closed unanswered, as IIS's AbortRequest). */
    private boolean refusedByRunningNginx(String ruleName) {
        return probe(ruleName, response -> response.map(r -> r.statusCode() == 403).orElse(true));
    }

    /**
     * A reload replaces workers gracefully: old ones may answer for a moment, so the probe is repeated (bounded).
     * {@code enforced} gets the answer, or empty when nginx accepted the connection and closed it without one.
     */
    private boolean probe(String ruleName, Predicate<Optional<HttpResponse<Void>>> enforced) {
        long deadline = System.nanoTime() + probeTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (enforced.test(Optional.of(http.send(HttpRequest.newBuilder(probeUrl.get()).header(PROBE_HEADER, ruleName)
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())))) {
                    return true;
                }
            } catch (ConnectException | HttpTimeoutException | SSLException e) {
                // nothing listening (nginx down or restarting), no answer, or no TLS: not a refusal; try again until the deadline
            } catch (IOException e) {
                if (enforced.test(Optional.empty())) { // accepted, then closed without an answer
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            try {
                Thread.sleep(100); // old workers finishing; not test code
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** The same rules marked log-only: nginx logs "tourniquet shadow: rule ... would block" at warn level and lets the request through. */
    @Override
    public synchronized ChangeEvidence applyShadow(MitigationDefinition definition) throws BackendException {
        List<Map<String, Object>> rules = rulesOf(definition);
        rules.forEach(rule -> rule.put("shadow", true));
        Map<String, List<Map<String, Object>>> all = load();
        all.put(definition.getId(), rules);
        return change(all, "log-only (shadow) rules of " + definition.getId() + " in force: nothing blocked");
    }

    @Override
    public synchronized ChangeEvidence remove(MitigationDefinition definition) throws BackendException {
        rulesOf(definition);
        Map<String, List<Map<String, Object>>> all = load();
        all.remove(definition.getId());
        return change(all, "rules of " + definition.getId() + " removed");
    }

    @Override
    public synchronized boolean inForce(MitigationDefinition definition) {
        try {
            return rulesOf(definition).equals(load().get(definition.getId())) && Files.readString(includeDir.resolve(MODULE))
                    .equals(module(load()));
        } catch (BackendException | IOException | RuntimeException e) {
            return false;
        }
    }

    private ChangeEvidence change(Map<String, List<Map<String, Object>>> all, String description) throws BackendException {
        Map<String, String> before = snapshot();
        writeAll(all);
        Map<String, String> after = snapshot();
        String check = run("-t");
        if (check != null) {
            restore(before);
            throw new BackendException("nginx -t refused the configuration: " + check, "restored: nginx configuration as it was, not reloaded");
        }
        String reload = run("-s", "reload");
        if (reload != null) {
            restore(before);
            throw new BackendException("nginx reload failed: " + reload, "restored: files as they were; nginx still runs the previous configuration");
        }
        return ChangeEvidence.newBuilder().setBackend(name())
                .setChanges(List.of(before.equals(after) ? "already " + description.replace(" in force", "").replace(" removed", "") + " as defined" : description))
                .setDigestBefore(digest(before)).setDigestAfter(digest(after))
                .setVerification("nginx -t passed, nginx reloaded, " + MODULE + " re-read")
                .build();
    }

    /** Every action checked before any change, and turned into the rules the njs program evaluates. */
    private List<Map<String, Object>> rulesOf(MitigationDefinition definition) throws BackendException {
        requireSupported(definition);
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Object action : definition.getActions()) {
            switch (ActionType.of(action)) {
                case BLOCK_REQUESTS -> rules.add(blockRule((BlockRequests) action));
                case DISABLE_VIRTUAL_DIRECTORY -> rules.add(denyVirtualDirectory((DisableVirtualDirectory) action));
                case HEARTBEAT -> {
                    // nothing to change: it only proves that commands reach the server
                }
                case REWRITE_RESPONSE_HEADER -> rules.add(headerRule((RewriteResponseHeader) action));
                case DISABLE_SERVICE, DISABLE_APP_POOL, SET_AUTHENTICATION ->
                        throw new IllegalStateException(action.getClass().getSimpleName() + " passed requireSupported but nginx refuses it");
            }
        }
        return rules;
    }

    private static Map<String, Object> blockRule(BlockRequests b) throws BackendException {
        List<Map<String, Object>> conditions = new ArrayList<>();
        for (RequestCondition c : b.getConditions()) {
            if (!INPUT.matcher(c.getInput()).matches()) {
                throw new BackendException("the nginx backend cannot evaluate input " + c.getInput() + " (rule " + b.getRuleName() + ")",
                        "not-needed: nothing was changed");
            }
            requireRegex(c.getPattern(), b.getRuleName());
            Map<String, Object> condition = new LinkedHashMap<>();
            condition.put("input", c.getInput());
            condition.put("pattern", c.getPattern());
            condition.put("ignoreCase", c.getIgnoreCase());
            condition.put("negate", c.getNegate());
            conditions.add(condition);
        }
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("name", b.getRuleName());
        rule.put("matchUrl", b.getMatchUrl());
        rule.put("matchAll", b.getMatchAll());
        rule.put("response", b.getResponse() == BlockResponse.FORBIDDEN ? "403" : "444");
        rule.put("conditions", conditions);
        return rule;
    }

    /**
     * An IIS outbound rule (M2.1): the value appended to the response header of responses whose request URI and
     * content type match. The site name is not used: the proxy fronts one site.
     */
    private static Map<String, Object> headerRule(RewriteResponseHeader h) throws BackendException {
        if (!HEADER_NAME.matcher(h.getHeaderName()).matches()) {
            throw new BackendException("rule " + h.getRuleName() + ": invalid header name '" + h.getHeaderName() + "'", "not-needed: nothing was changed");
        }
        if (!HEADER_VALUE.matcher(h.getAppendValue()).matches()) {
            throw new BackendException("rule " + h.getRuleName() + ": the value to append must be printable ASCII on one line", "not-needed: nothing was changed");
        }
        requireRegex(h.getPathPattern(), h.getRuleName());
        requireRegex(h.getContentTypePattern(), h.getRuleName());
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("name", h.getRuleName());
        rule.put("kind", HEADER_RULE);
        rule.put("pathPattern", h.getPathPattern());
        rule.put("contentTypePattern", h.getContentTypePattern());
        rule.put("headerName", h.getHeaderName());
        rule.put("appendValue", h.getAppendValue());
        return rule;
    }

    /**
     * Every request under the virtual directory is refused with 403, whatever its case or encoding (the rule is
     * tested against nginx's normalised, decoded $uri). The proxy fronts one site, so the site name is not used.
     */
    private static Map<String, Object> denyVirtualDirectory(DisableVirtualDirectory v) throws BackendException {
        if (!VIRTUAL_PATH.matcher(v.getPath()).matches() || v.getPath().contains("/..")) {
            throw new BackendException("invalid virtual directory path '" + v.getPath() + "': expected e.g. /ecp", "not-needed: nothing was changed");
        }
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("name", "Tourniquet deny " + v.getPath());
        rule.put("matchUrl", "^" + v.getPath().substring(1).replace(".", "\\.") + "(/|$)");
        rule.put("matchAll", true);
        rule.put("response", "403");
        rule.put("conditions", List.of());
        return rule;
    }

    /** nginx -t does not compile the module's patterns, so they are checked here, before anything changes. */
    private static void requireRegex(String pattern, String rule) throws BackendException {
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw new BackendException("rule " + rule + ": invalid pattern '" + pattern + "': " + e.getDescription(), "not-needed: nothing was changed");
        }
    }

    private Map<String, List<Map<String, Object>>> load() {
        Path file = includeDir.resolve(RULES);
        try {
            return Files.exists(file) ? JSON.readValue(file.toFile(), new TypeReference<TreeMap<String, List<Map<String, Object>>>>() { }) : new TreeMap<>();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private void writeAll(Map<String, List<Map<String, Object>>> all) {
        try {
            Files.createDirectories(includeDir);
            write(RULES, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(all));
            write(MODULE, module(all));
            write(HTTP_INCLUDE, "# managed by Tourniquet: include in http {}\njs_path \"" + includeDir + "\";\njs_import tourniquet from " + MODULE
                    + ";\njs_set $tourniquet_block tourniquet.block;\n");
            write(SERVER_INCLUDE, "# managed by Tourniquet: include in the Exchange server {}\n"
                    + "if ($tourniquet_block = \"444\") { return 444; }\nif ($tourniquet_block = \"403\") { return 403; }\n");
            write(LOCATION_INCLUDE, "# managed by Tourniquet: include in each location that proxies to Exchange\njs_header_filter tourniquet.headers;\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the nginx configuration in " + includeDir, e);
        }
    }

    private static String njsProgram() {
        try (var in = NginxBackend.class.getResourceAsStream("/nginx/tourniquet.js")) {
            if (in == null) {
                throw new IllegalStateException("nginx/tourniquet.js is missing from the agent");
            }
            String program = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!program.contains(RULES_MARKER)) {
                throw new IllegalStateException("nginx/tourniquet.js has no " + RULES_MARKER + " marker");
            }
            return program;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read nginx/tourniquet.js", e);
        }
    }

    /** The njs program (src/main/resources/nginx/tourniquet.js) with the rules in place of its marker, each naming its mitigation. */
    static String module(Map<String, List<Map<String, Object>>> all) throws IOException {
        List<Map<String, Object>> rules = new ArrayList<>();
        all.forEach((mitigation, its) -> its.forEach(rule -> {
            Map<String, Object> named = new LinkedHashMap<>(rule);
            named.put("mitigation", mitigation);
            rules.add(named);
        }));
        return NJS_PROGRAM.replace(RULES_MARKER, JSON.writeValueAsString(rules));
    }

    private void write(String name, String content) throws IOException {
        Path temp = includeDir.resolve(name + ".tmp");
        Files.writeString(temp, content, StandardCharsets.UTF_8);
        Files.move(temp, includeDir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Map<String, String> snapshot() {
        Map<String, String> files = new TreeMap<>();
        for (String name : List.of(RULES, MODULE, HTTP_INCLUDE, SERVER_INCLUDE, LOCATION_INCLUDE)) {
            try {
                Path file = includeDir.resolve(name);
                files.put(name, Files.exists(file) ? Files.readString(file) : "");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    private void restore(Map<String, String> files) {
        files.forEach((name, content) -> {
            try {
                write(name, content);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** @return null when nginx exits 0, else what it printed */
    private String run(String... args) {
        Output output = execute(args);
        return output.exitCode() == 0 ? null : output.text();
    }

    private record Output(int exitCode, String text) {
    }

    private Output execute(String... args) {
        List<String> command = new ArrayList<>(List.of(nginx.toString(), "-c", mainConfig.toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(Duration.ofSeconds(30).toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Output(-1, "timed out: " + String.join(" ", command));
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return new Output(process.exitValue(), output);
        } catch (IOException e) {
            return new Output(-1, "cannot run " + nginx + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Output(-1, "interrupted");
        }
    }

    private static String digest(Map<String, String> files) {
        return Digests.sha256(files.toString().getBytes(StandardCharsets.UTF_8));
    }
}
