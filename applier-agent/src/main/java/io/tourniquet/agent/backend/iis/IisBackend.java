package io.tourniquet.agent.backend.iis;

import java.io.UncheckedIOException;
import java.util.Collections;
import io.tourniquet.agent.backend.ActionSupport;
import io.tourniquet.agent.backend.Backend;
import io.tourniquet.agent.backend.BackendException;
import io.tourniquet.agent.backend.ServerFacts;
import io.tourniquet.agent.backend.windows.PowerShell;
import io.tourniquet.agent.backend.windows.WindowsActions;
import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.DisableVirtualDirectory;
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

/**
 * IIS on an Exchange server: request-blocking (inbound) and response-header (outbound) rules go into the site's
 * web.config as IIS URL Rewrite stores them; services, app pools, virtual directories and authentication settings are
 * changed through PowerShell scripts built from the closed vocabulary ({@link WindowsActions}), and restored as they
 * were on removal (each previous value is kept in the state directory).
 * Before anything changes, every action of the definition must be one this backend carries out and the URL Rewrite
 * module must be installed (as EM requires); otherwise the command fails with the reason and nothing is half-applied.
 * Each file is backed up once, written atomically, re-read and checked; a check that fails restores the backup.
 */
public class IisBackend implements Backend {

    private final Map<String, Path> siteConfigs;
    private final Path rewriteModule;
    private final PowerShell powerShell;
    private final Path urlAuthorizationModule;
    private final Path previousValues;

    /**
     * @param siteConfigs   web.config of each IIS site, by site name (e.g. "Default Web Site")
     * @param rewriteModule the URL Rewrite module (%windir%\system32\inetsrv\rewrite.dll)
     * @param powerShell    runs the scripts of the Windows actions (services, app pools)
     * @param stateDir      where the start type a service had before it was disabled is kept, to restore it
     */
    public IisBackend(Map<String, Path> siteConfigs, Path rewriteModule, PowerShell powerShell, Path stateDir) {
        this.siteConfigs = Map.copyOf(siteConfigs);
        this.rewriteModule = rewriteModule;
        this.powerShell = powerShell;
        // URL Authorization (for DisableVirtualDirectory) is installed beside URL Rewrite, in %windir%\System32\inetsrv
        this.urlAuthorizationModule = rewriteModule.resolveSibling("urlauthz.dll");
        this.previousValues = stateDir.resolve("iis-previous-values.properties");
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

    @Override
    public ActionSupport shadowMode() {
        return ActionSupport.refused("IIS URL Rewrite has no log-only action: a rule either acts on a request or does not match it; "
                + "roll the mitigation out to canaries first instead");
    }

    /** Read with one PowerShell script ({@link IisInventory}); what it cannot read is reported unknown with PowerShell's message. */
    @Override
    public ServerFacts facts() {
        ServerFacts facts = IisInventory.read(powerShell);
        Map<String, String> unreadable = new TreeMap<>(facts.unreadable());
        unreadable.put("enforcementCounts", "not counted on IIS in this release: URL Rewrite's AbortRequest leaves no mark of the rule in the IIS log");
        return new ServerFacts(facts.build(), facts.installedUpdates(), facts.components(), facts.webApplications(), unreadable);
    }

    @Override
    public Map<String, String> prerequisites() {
        Map<String, String> prerequisites = new TreeMap<>();
        prerequisites.put("iis-url-rewrite", Files.isRegularFile(rewriteModule) ? "installed" : "missing");
        prerequisites.put("iis-url-authorization", Files.isRegularFile(urlAuthorizationModule) ? "installed" : "missing");
        return prerequisites;
    }

    /** A rewrite rule of a definition and the site whose web.config holds it. */
    private record SiteRule(String site, String name, Object action) {

        String applyTo(String config) {
            return action instanceof BlockRequests b ? UrlRewriteRules.apply(config, b) : UrlRewriteRules.apply(config, (RewriteResponseHeader) action);
        }

        boolean inForceIn(String config) {
            return action instanceof BlockRequests b
                    ? UrlRewriteRules.find(config, name).equals(Optional.of(UrlRewriteRules.expected(b)))
                    : UrlRewriteRules.findOutbound(config, name).equals(Optional.of(UrlRewriteRules.expected((RewriteResponseHeader) action)));
        }
    }

    @Override
    public ChangeEvidence apply(MitigationDefinition definition) throws BackendException {
        List<SiteRule> rules = supportedRules(definition);
        if (!rules.isEmpty() && !Files.isRegularFile(rewriteModule)) {
            throw new BackendException("IIS URL Rewrite module is not installed (" + rewriteModule + " missing); "
                    + definition.getId() + " needs it", "not-needed: nothing was changed");
        }
        if (definition.getActions().stream().anyMatch(DisableVirtualDirectory.class::isInstance) && !Files.isRegularFile(urlAuthorizationModule)) {
            throw new BackendException("IIS URL Authorization is not installed (" + urlAuthorizationModule + " missing); "
                    + definition.getId() + " needs it to deny a virtual directory", "not-needed: nothing was changed");
        }
        ChangeEvidence evidence = edit(definition, rules, true);
        List<String> changes = new ArrayList<>(rules.isEmpty() && !windowsSteps(definition).isEmpty() ? List.of() : evidence.getChanges());
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
            for (SiteRule rule : supportedRules(definition)) {
                if (!rule.inForceIn(read(configOf(rule)))) {
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
        List<SiteRule> rules = supportedRules(definition);
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
            boolean ok = apply ? rule.inForceIn(written)
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

    /** Every action checked before any change: the rewrite rules to edit, the Windows actions' names validated. */
    private List<SiteRule> supportedRules(MitigationDefinition definition) throws BackendException {
        requireSupported(definition);
        List<SiteRule> rules = new ArrayList<>();
        for (Object action : definition.getActions()) {
            switch (ActionType.of(action)) {
                case BLOCK_REQUESTS -> {
                    BlockRequests b = (BlockRequests) action;
                    rules.add(checked(new SiteRule(b.getSite(), b.getRuleName(), b)));
                }
                case REWRITE_RESPONSE_HEADER -> {
                    RewriteResponseHeader h = (RewriteResponseHeader) action;
                    rules.add(checked(new SiteRule(h.getSite(), h.getRuleName(), h)));
                }
                case DISABLE_SERVICE, DISABLE_APP_POOL, DISABLE_VIRTUAL_DIRECTORY, SET_AUTHENTICATION -> validate(action);
                case HEARTBEAT -> {
                    // nothing to change: it only proves that commands reach the server
                }
            }
        }
        return rules;
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
