package io.tourniquet.agent.backend.iis;

import java.io.UncheckedIOException;
import java.util.Collections;
import io.tourniquet.agent.backend.ActionSupport;
import io.tourniquet.agent.backend.Backend;
import io.tourniquet.agent.backend.BackendException;
import io.tourniquet.agent.backend.EnforcementLog;
import io.tourniquet.agent.backend.ServerFacts;
import io.tourniquet.agent.backend.iis.UrlRewriteRules.Deployment;
import io.tourniquet.agent.backend.windows.IisLogFieldSetup;
import io.tourniquet.agent.backend.windows.PowerShell;
import io.tourniquet.agent.backend.windows.WindowsActions;
import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.DisableVirtualDirectory;
import io.tourniquet.schemas.EnforcementCount;
import io.tourniquet.schemas.Heartbeat;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.actions.ActionType;
import io.tourniquet.schemas.RewriteResponseHeader;
import io.tourniquet.schemas.crypto.Digests;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * IIS on an Exchange server: request-blocking (inbound) and response-header (outbound) rules go into the site's
 * web.config as IIS URL Rewrite stores them; services, app pools, virtual directories and authentication settings are
 * changed through PowerShell scripts built from the closed vocabulary ({@link WindowsActions}), and restored as they
 * were on removal (each previous value is kept in the state directory).
 * Before anything changes, every action of the definition must be one this backend carries out and the URL Rewrite
 * module must be installed (as EM requires); otherwise the command fails with the reason and nothing is half-applied.
 * Each file is backed up once, written atomically, re-read and checked; a check that fails restores the backup.
 * <p>
 * Each request-blocking rule marks the requests it matches ({@link UrlRewriteRules#LOG_MARK_VARIABLE}), IIS writes the
 * mark to the site's W3C log and {@link IisLog} counts it. Shadow mode deploys the same rules log-only (action None):
 * marked, not blocked. The marks need two server-level settings ({@link IisLogFieldSetup}); where they cannot be made, rules
 * are still enforced, unmarked and uncounted (said with the result and the inventory), and shadow mode is refused.
 */
public class IisBackend implements Backend {

    private final Map<String, Path> siteConfigs;
    private final Path rewriteModule;
    private final PowerShell powerShell;
    private final Path urlAuthorizationModule;
    private final Path previousValues;
    private final Path logDirectory;
    private final EnforcementLog enforcementLog;
    /** Set up once, before the first rule is written (then never asked again); until then, why the last attempt failed. */
    private boolean loggingReady;
    private Optional<String> loggingFailure = Optional.empty();

    /**
     * @param siteConfigs   web.config of each IIS site, by site name (e.g. "Default Web Site")
     * @param rewriteModule the URL Rewrite module (%windir%\system32\inetsrv\rewrite.dll)
     * @param powerShell    runs the scripts of the Windows actions (services, app pools)
     * @param stateDir      where the start type a service had before it was disabled is kept, to restore it
     * @param logDirectory  the W3C log directory of the site holding the rules (C:\inetpub\logs\LogFiles\W3SVC1 for
     *                      Default Web Site), where the requests the rules matched are counted
     */
    public IisBackend(Map<String, Path> siteConfigs, Path rewriteModule, PowerShell powerShell, Path stateDir, Path logDirectory) {
        this.siteConfigs = Map.copyOf(siteConfigs);
        this.rewriteModule = rewriteModule;
        this.powerShell = powerShell;
        // URL Authorization (for DisableVirtualDirectory) is installed beside URL Rewrite, in %windir%\System32\inetsrv
        this.urlAuthorizationModule = rewriteModule.resolveSibling("urlauthz.dll");
        this.previousValues = stateDir.resolve("iis-previous-values.properties");
        this.logDirectory = logDirectory;
        this.enforcementLog = new EnforcementLog(EnforcementLog.directory(logDirectory, ".log"), stateDir.resolve("iis-enforcement.json"), new IisLog());
    }

    @Override
    public String name() {
        return "iis";
    }

    @Override
    public ActionSupport support(ActionType type) {
        return switch (type) {
            // URL Rewrite rules in the site's web.config
            case BLOCK_REQUESTS, REWRITE_RESPONSE_HEADER -> ActionSupport.SUPPORTED;
            // PowerShell (services, app pools) and IIS settings in applicationHost.config, each with its inverse
            case DISABLE_SERVICE, DISABLE_APP_POOL, DISABLE_VIRTUAL_DIRECTORY, SET_AUTHENTICATION -> ActionSupport.SUPPORTED;
            case HEARTBEAT -> ActionSupport.SUPPORTED;
        };
    }

    /** Refused only once IIS was found unable to log the marks (a shadow rule would otherwise count nothing). */
    @Override
    public synchronized ActionSupport shadowMode() {
        return loggingReady || loggingFailure.isEmpty() ? ActionSupport.SUPPORTED
                : ActionSupport.refused("log-only rules need IIS to log their marks, and it cannot: " + loggingFailure.get());
    }

    /** Read with one PowerShell script ({@link IisInventory}); what it cannot read is reported unknown with PowerShell's message. */
    @Override
    public ServerFacts facts() {
        ServerFacts facts = IisInventory.read(powerShell);
        Map<String, String> unreadable = new TreeMap<>(facts.unreadable());
        countingRefusal().ifPresent(why -> unreadable.put("enforcementCounts", why));
        return new ServerFacts(facts.build(), facts.installedUpdates(), facts.components(), facts.webApplications(), unreadable);
    }

    private synchronized Optional<String> countingRefusal() {
        if (loggingReady && !Files.isDirectory(logDirectory)) {
            return Optional.of("the site's W3C log directory " + logDirectory + " does not exist (tourniquet.agent.iis.log-directory)");
        }
        return loggingReady ? Optional.empty() : loggingFailure.map(why -> "IIS does not log the rules' marks: " + why);
    }

    @Override
    public List<EnforcementCount> enforcementCounts() {
        return enforcementLog.counts();
    }

    /** Lets IIS log the marks, once; tried again before rules are written until it succeeds. Whether IIS logs them now. */
    private synchronized boolean logging() {
        if (!loggingReady) {
            try {
                var result = powerShell.run(IisLogFieldSetup.setupScript(UrlRewriteRules.LOG_MARK_VARIABLE, siteConfigs.keySet()));
                loggingReady = result.ok();
                loggingFailure = result.ok() ? Optional.empty()
                        : Optional.of("the logging set-up failed (exit " + result.exitCode() + "): " + result.output());
            } catch (IllegalArgumentException e) { // a configured site name PowerShell must not see
                loggingFailure = Optional.of(e.getMessage());
            }
        }
        return loggingReady;
    }

    @Override
    public Map<String, String> prerequisites() {
        Map<String, String> prerequisites = new TreeMap<>();
        prerequisites.put("iis-url-rewrite", Files.isRegularFile(rewriteModule) ? "installed" : "missing");
        prerequisites.put("iis-url-authorization", Files.isRegularFile(urlAuthorizationModule) ? "installed" : "missing");
        return prerequisites;
    }

    /** A rewrite rule of a definition, the site whose web.config holds it, and how a request-blocking rule is deployed. */
    private record SiteRule(String site, String name, Object action, Deployment deployment) {

        String applyTo(String config) {
            return action instanceof BlockRequests b ? UrlRewriteRules.apply(config, b, deployment)
                    : UrlRewriteRules.apply(config, (RewriteResponseHeader) action);
        }

        boolean blocksRequests() {
            return action instanceof BlockRequests;
        }

        /** Exactly as this deployment writes it. */
        boolean writtenIn(String config) {
            return action instanceof BlockRequests b
                    ? UrlRewriteRules.find(config, name).equals(Optional.of(UrlRewriteRules.expected(b, deployment)))
                    : UrlRewriteRules.findOutbound(config, name).equals(Optional.of(UrlRewriteRules.expected((RewriteResponseHeader) action)));
        }

        /** Acting on requests as defined, marked or not (drift: the mark only counts). */
        boolean enforcedIn(String config) {
            return action instanceof BlockRequests b
                    ? UrlRewriteRules.find(config, name).map(UrlRewriteRules.Rule::withoutLogMark).equals(Optional.of(UrlRewriteRules.expected(b)))
                    : writtenIn(config);
        }
    }

    @Override
    public ChangeEvidence apply(MitigationDefinition definition) throws BackendException {
        List<SiteRule> rules = supportedRules(definition, () -> markedIfLogged(definition.getId()));
        requireRewriteModule(definition, rules);
        if (definition.getActions().stream().anyMatch(DisableVirtualDirectory.class::isInstance) && !Files.isRegularFile(urlAuthorizationModule)) {
            throw new BackendException("IIS URL Authorization is not installed (" + urlAuthorizationModule + " missing); "
                    + definition.getId() + " needs it to deny a virtual directory", "not-needed: nothing was changed");
        }
        ChangeEvidence evidence = edit(definition, rules, true);
        List<String> changes = new ArrayList<>(rules.isEmpty() && !windowsSteps(definition).isEmpty() ? List.of() : evidence.getChanges());
        if (rules.stream().anyMatch(rule -> rule.blocksRequests() && rule.deployment().logMark().isEmpty())) {
            changes.add("requests blocked are not counted: " + countingRefusal().orElse("IIS does not log the rules' marks"));
        }
        List<WindowsActions.Step> done = new ArrayList<>();
        for (WindowsActions.Step step : windowsSteps(definition)) {
            var result = powerShell.run(step.change());
            if (!result.ok()) {
                String rollback = undo(done, definition, rules);
                throw new BackendException(step.task() + " failed (exit " + result.exitCode() + "): " + result.output(), rollback);
            }
            String previous = result.output().lines().findFirst().map(String::strip).filter(l -> !l.isEmpty()).orElse(step.defaultPrevious());
            remember(step.key(), previous);
            done.add(step);
            changes.add(step.task() + (previous.isEmpty() ? "" : " (was " + previous + ")"));
        }
        return ChangeEvidence.newBuilder(evidence).setChanges(changes).build();
    }

    /**
     * The definition's request-blocking rules, log-only: IIS marks and logs the requests they match and lets them
     * through. A definition that would change anything else (a response header, a service, IIS settings) is refused,
     * as is shadow mode where IIS cannot log the marks: nothing is changed then.
     */
    @Override
    public ChangeEvidence applyShadow(MitigationDefinition definition) throws BackendException {
        for (Object action : definition.getActions()) {
            if (!(action instanceof BlockRequests || action instanceof Heartbeat)) {
                throw new BackendException("the iis backend deploys only request-blocking rules log-only; " + ActionType.of(action) + " in "
                        + definition.getId() + " would change the server", "not-needed: nothing was changed");
            }
        }
        List<SiteRule> rules = supportedRules(definition, () -> Deployment.logOnly("would-block:" + definition.getId()));
        requireRewriteModule(definition, rules);
        if (!rules.isEmpty() && !logging()) {
            throw new BackendException("cannot deploy " + definition.getId() + " log-only: IIS cannot log the rules' marks: " + loggingFailure.orElseThrow(),
                    "not-needed: nothing was changed");
        }
        ChangeEvidence evidence = edit(definition, rules, true);
        return ChangeEvidence.newBuilder(evidence).setChanges(evidence.getChanges().stream().map(change -> change + " (log-only: nothing blocked)").toList())
                .build();
    }

    /** Rewrite rules need the URL Rewrite module, as EM requires: without it nothing is changed. */
    private void requireRewriteModule(MitigationDefinition definition, List<SiteRule> rules) throws BackendException {
        if (!rules.isEmpty() && !Files.isRegularFile(rewriteModule)) {
            throw new BackendException("IIS URL Rewrite module is not installed (" + rewriteModule + " missing); "
                    + definition.getId() + " needs it", "not-needed: nothing was changed");
        }
    }

    /** After a Windows step failed: restores the steps already done and this definition's rewrite rules. */
    private String undo(List<WindowsActions.Step> done, MitigationDefinition definition, List<SiteRule> rules) {
        List<String> notRestored = new ArrayList<>();
        for (WindowsActions.Step step : reversed(done)) {
            if (!powerShell.run(step.restore().apply(previousValues().getProperty(step.key(), step.defaultPrevious()))).ok()) {
                notRestored.add(step.target());
            }
        }
        try {
            edit(definition, rules, false);
        } catch (BackendException e) {
            notRestored.add("rewrite rules (" + e.getMessage() + ")");
        }
        return notRestored.isEmpty() ? "restored: rewrite rules and " + done.size() + " earlier step(s) put back as they were"
                : "partial: not restored " + notRestored;
    }

    private static List<WindowsActions.Step> windowsSteps(MitigationDefinition definition) {
        return definition.getActions().stream().filter(IisBackend::isWindowsAction).map(WindowsActions::of).toList();
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }

    private static boolean isWindowsAction(Object action) {
        return switch (ActionType.of(action)) {
            case DISABLE_SERVICE, DISABLE_APP_POOL, DISABLE_VIRTUAL_DIRECTORY, SET_AUTHENTICATION -> true;
            case BLOCK_REQUESTS, REWRITE_RESPONSE_HEADER, HEARTBEAT -> false;
        };
    }

    private synchronized void remember(String key, String previous) {
        Properties properties = previousValues();
        properties.setProperty(key, previous);
        try (var out = Files.newOutputStream(previousValues)) {
            properties.store(out, "settings as they were before Tourniquet changed them, restored on removal");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + previousValues, e);
        }
    }

    private synchronized Properties previousValues() {
        Properties properties = new Properties();
        if (Files.exists(previousValues)) {
            try (var in = Files.newInputStream(previousValues)) {
                properties.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + previousValues, e);
            }
        }
        return properties;
    }

    @Override
    public boolean inForce(MitigationDefinition definition) {
        try {
            for (SiteRule rule : supportedRules(definition, () -> Deployment.UNMARKED)) {
                if (!rule.enforcedIn(read(configOf(rule)))) {
                    return false;
                }
            }
            for (WindowsActions.Step step : windowsSteps(definition)) {
                if (!powerShell.run(step.check()).ok()) {
                    return false;
                }
            }
            return true;
        } catch (BackendException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public ChangeEvidence remove(MitigationDefinition definition) throws BackendException {
        List<SiteRule> rules = supportedRules(definition, () -> Deployment.UNMARKED);
        ChangeEvidence evidence = edit(definition, rules, false);
        List<String> changes = new ArrayList<>(rules.isEmpty() && !windowsSteps(definition).isEmpty() ? List.of() : evidence.getChanges());
        for (WindowsActions.Step step : reversed(windowsSteps(definition))) {
            String previous = previousValues().getProperty(step.key(), step.defaultPrevious());
            var result = powerShell.run(step.restore().apply(previous));
            if (!result.ok()) {
                throw new BackendException("restoring " + step.target() + " failed (exit " + result.exitCode() + "): " + result.output(),
                        "partial: " + changes);
            }
            changes.add("restored " + step.target() + (previous.isEmpty() ? "" : " to " + previous));
        }
        return ChangeEvidence.newBuilder(evidence).setChanges(changes).build();
    }

    private ChangeEvidence edit(MitigationDefinition definition, List<SiteRule> rules, boolean apply) throws BackendException {
        Map<Path, String> before = new TreeMap<>();
        for (SiteRule rule : rules) {
            Path file = configOf(rule);
            before.computeIfAbsent(file, IisBackend::read);
        }
        Map<Path, String> after = new TreeMap<>(before);
        List<String> changes = new ArrayList<>();
        for (SiteRule rule : rules) {
            Path file = configOf(rule);
            String edited = apply ? rule.applyTo(after.get(file)) : UrlRewriteRules.remove(after.get(file), rule.name());
            if (!edited.equals(after.get(file))) {
                changes.add((apply ? "added rule '" : "removed rule '") + rule.name() + "' in " + file);
            }
            after.put(file, edited);
        }
        for (var entry : after.entrySet()) {
            if (!entry.getValue().equals(before.get(entry.getKey()))) {
                write(entry.getKey(), before.get(entry.getKey()), entry.getValue(), definition.getId());
            }
        }
        for (SiteRule rule : rules) {
            Path file = configOf(rule);
            String written = read(file);
            boolean ok = apply ? rule.writtenIn(written)
                    : UrlRewriteRules.find(written, rule.name()).isEmpty() && UrlRewriteRules.findOutbound(written, rule.name()).isEmpty();
            if (!ok) {
                restore(before);
                throw new BackendException("after writing " + file + ", rule '" + rule.name() + "' is "
                        + (apply ? "not as defined" : "still present"), "restored: every file as it was before");
            }
        }
        if (definition.getActions().stream().allMatch(Heartbeat.class::isInstance)) {
            changes.add("heartbeat: nothing to change");
        }
        return ChangeEvidence.newBuilder()
                .setBackend(name())
                .setChanges(changes.isEmpty() ? List.of("already " + (apply ? "in force" : "absent")) : changes)
                .setDigestBefore(digest(before))
                .setDigestAfter(digest(after))
                .setVerification("re-read " + after.keySet() + " and compared each rule with its definition")
                .build();
    }

    /**
     * Every action checked before any change: the rewrite rules to edit, the Windows actions' names validated. Only
     * then, and only for a definition with request-blocking rules, is their deployment decided (which may set up logging).
     */
    private List<SiteRule> supportedRules(MitigationDefinition definition, Supplier<Deployment> blocking) throws BackendException {
        requireSupported(definition);
        List<SiteRule> rules = new ArrayList<>();
        for (Object action : definition.getActions()) {
            switch (ActionType.of(action)) {
                case BLOCK_REQUESTS -> {
                    BlockRequests b = (BlockRequests) action;
                    rules.add(checked(new SiteRule(b.getSite(), b.getRuleName(), b, Deployment.UNMARKED)));
                }
                case REWRITE_RESPONSE_HEADER -> {
                    RewriteResponseHeader h = (RewriteResponseHeader) action;
                    rules.add(checked(new SiteRule(h.getSite(), h.getRuleName(), h, Deployment.UNMARKED)));
                }
                case DISABLE_SERVICE, DISABLE_APP_POOL, DISABLE_VIRTUAL_DIRECTORY, SET_AUTHENTICATION -> validate(action);
                case HEARTBEAT -> {
                    // nothing to change: it only proves that commands reach the server
                }
            }
        }
        if (rules.stream().noneMatch(SiteRule::blocksRequests)) {
            return rules;
        }
        Deployment deployment = blocking.get();
        return rules.stream().map(rule -> rule.blocksRequests() ? new SiteRule(rule.site(), rule.name(), rule.action(), deployment) : rule).toList();
    }

    /** Enforcing, marked where IIS logs the marks (set up here, before the first request-blocking rule is written). */
    private Deployment markedIfLogged(String mitigationId) {
        return Deployment.enforcing(logging() ? "blocked:" + mitigationId : "");
    }

    private SiteRule checked(SiteRule rule) throws BackendException {
        configOf(rule);
        return rule;
    }

    /** Names are checked before anything changes, so a bad one fails the whole command cleanly. */
    private static void validate(Object action) throws BackendException {
        try {
            WindowsActions.of(action);
        } catch (IllegalArgumentException e) {
            throw new BackendException(e.getMessage(), "not-needed: nothing was changed");
        }
    }

    private Path configOf(SiteRule rule) throws BackendException {
        Path file = siteConfigs.get(rule.site());
        if (file == null) {
            throw new BackendException("no web.config configured for IIS site '" + rule.site() + "'", "not-needed: nothing was changed");
        }
        return file;
    }

    private static void write(Path file, String before, String content, String mitigationId) {
        try {
            Path backup = file.resolveSibling(file.getFileName() + ".tourniquet-" + mitigationId + ".bak");
            if (!Files.exists(backup)) {
                Files.writeString(backup, before, StandardCharsets.UTF_8);
            }
            Path temp = file.resolveSibling(file.getFileName() + ".tourniquet.tmp");
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void restore(Map<Path, String> before) {
        before.forEach((file, content) -> write(file, content, content, "restore"));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String digest(Map<Path, String> files) {
        StringBuilder all = new StringBuilder();
        files.forEach((file, content) -> all.append(file).append('\0').append(Digests.sha256(content.getBytes(StandardCharsets.UTF_8))).append('\n'));
        return Digests.sha256(all.toString().getBytes(StandardCharsets.UTF_8));
    }
}
