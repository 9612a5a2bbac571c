package io.tourniquet.agent.backend.iis;

import io.tourniquet.agent.backend.ServerFacts;
import io.tourniquet.agent.backend.windows.PowerShell;
import io.tourniquet.agent.backend.windows.PowerShellTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an Exchange server for the inventory with one PowerShell script, each fact in its own section so that one that
 * cannot be read (a registry key missing, appcmd refused) is reported unknown with PowerShell's own message while the
 * others are still read. The sources are those Microsoft's tools read: ExSetup.exe's file version (the build, as in
 * Microsoft's build-number article), Get-HotFix (Windows updates), the PackageName of each key under
 * HKLM:\SOFTWARE\Microsoft\Updates\Exchange 20xx (Exchange security updates, as HealthChecker reads them), the URL
 * Rewrite module's Version under HKLM:\SOFTWARE\Microsoft\IIS Extensions\URL Rewrite, and {@code appcmd list site} and
 * {@code appcmd list app} (Exchange's virtual directories, owa, ecp, EWS..., are IIS applications).
 */
final class IisInventory {

    static final String SCRIPT = String.join("\n",
            "$ErrorActionPreference = 'Stop'",
            section("exsetup", "Get-Command ExSetup.exe | ForEach-Object { $_.FileVersionInfo } | Format-Table ProductVersion,FileVersion,FileName -AutoSize | Out-String -Width 4096"),
            section("hotfixes", "Get-HotFix | Format-Table -AutoSize | Out-String -Width 4096"),
            section("exchange-updates", "Get-ChildItem 'HKLM:\\SOFTWARE\\Microsoft\\Updates' | Where-Object { $_.PSChildName -like 'Exchange *' }"
                    + " | Get-ChildItem | ForEach-Object { $_.GetValue('PackageName') }"),
            section("url-rewrite", "(Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\IIS Extensions\\URL Rewrite').Version"),
            section("web-applications", "& \"$env:windir\\system32\\inetsrv\\appcmd.exe\" list site; if ($LASTEXITCODE -ne 0) { throw \"appcmd list site exited $LASTEXITCODE\" }"
                    + "; & \"$env:windir\\system32\\inetsrv\\appcmd.exe\" list app; if ($LASTEXITCODE -ne 0) { throw \"appcmd list app exited $LASTEXITCODE\" }"));

    static final String URL_REWRITE = "iis-url-rewrite";
    private static final String HEADING = "### ";
    private static final String ERROR = "!! ";
    private static final Pattern KB = Pattern.compile("\\bKB\\d{6,8}\\b");
    /** appcmd's lines: SITE "Default Web Site" (id:1,...) and APP "Default Web Site/owa" (applicationPool:...). */
    private static final Pattern SITE_OR_APP = Pattern.compile("^(?:SITE|APP) \"([^\"]+)\"");

    private IisInventory() {
    }

    private static String section(String name, String body) {
        return "Write-Output '" + HEADING + name + "'\ntry { " + body + " } catch { Write-Output ('" + ERROR + "' + $_.Exception.Message) }";
    }

    static ServerFacts read(PowerShell powerShell) {
        return parse(powerShell.run(SCRIPT));
    }

    static ServerFacts parse(PowerShell.Result result) {
        Map<String, String> sections = sections(result.output());
        if (sections.isEmpty()) {
            return ServerFacts.notRead("the inventory script did not run (exit " + result.exitCode() + "): " + result.output());
        }
        Map<String, String> unreadable = new TreeMap<>();
        Map<String, String> components = new TreeMap<>();

        String build = section(sections, "exsetup", "build", unreadable)
                .flatMap(text -> PowerShellTable.rows(text).stream().findFirst().map(row -> row.getOrDefault("FileVersion", "")))
                .map(version -> normalisedBuild(version, unreadable)).orElse(null);
        if (build == null) {
            unreadable.putIfAbsent("build", "ExSetup.exe's FileVersionInfo had no row");
        }

        TreeSet<String> updates = new TreeSet<>();
        Optional<String> hotfixes = section(sections, "hotfixes", "installedUpdates", unreadable);
        hotfixes.ifPresent(text -> PowerShellTable.rows(text).forEach(row -> kb(row.getOrDefault("HotFixID", "")).ifPresent(updates::add)));
        Optional<String> exchangeUpdates = section(sections, "exchange-updates", "exchangeUpdates", unreadable);
        exchangeUpdates.ifPresent(text -> text.lines().forEach(line -> kb(line).ifPresent(updates::add)));

        section(sections, "url-rewrite", URL_REWRITE, unreadable).map(String::strip).ifPresent(version -> {
            if (version.matches("\\d+(\\.\\d+){1,3}")) {
                components.put(URL_REWRITE, version);
            } else {
                unreadable.put(URL_REWRITE, "the URL Rewrite Version value is '" + version + "', not a version");
            }
        });

        List<String> applications = new ArrayList<>();
        section(sections, "web-applications", "webApplications", unreadable).ifPresent(text -> text.lines().map(String::strip)
                .map(SITE_OR_APP::matcher).filter(Matcher::find).forEach(app -> applications.add(app.group(1))));

        // Windows hotfixes and Exchange updates both unread: no update is known to be installed, so none is reported
        List<String> installed = hotfixes.isEmpty() && exchangeUpdates.isEmpty() ? null : List.copyOf(updates);
        return new ServerFacts(build, installed, components, applications, unreadable);
    }

    /** ExSetup.exe's FileVersion is zero-padded (15.02.1544.004); builds are compared as Microsoft publishes them (15.2.1544.4). */
    private static String normalisedBuild(String fileVersion, Map<String, String> unreadable) {
        if (!ServerFacts.isBuild(fileVersion)) {
            unreadable.put("build", "ExSetup.exe's FileVersion is '" + fileVersion + "', not a build number");
            return null;
        }
        return String.join(".", Arrays.stream(fileVersion.split("\\.")).map(part -> Integer.toString(Integer.parseInt(part))).toList());
    }

    private static Optional<String> kb(String text) {
        Matcher kb = KB.matcher(text);
        return kb.find() ? Optional.of(kb.group()) : Optional.empty();
    }

    /** The section's text, or empty with why in {@code unreadable} (PowerShell's error, or the section missing). */
    private static Optional<String> section(Map<String, String> sections, String name, String fact, Map<String, String> unreadable) {
        String text = sections.get(name);
        if (text == null) {
            unreadable.put(fact, "the inventory script reported nothing for " + name);
            return Optional.empty();
        }
        Optional<String> error = text.lines().filter(line -> line.startsWith(ERROR)).findFirst();
        if (error.isPresent()) {
            unreadable.put(fact, name + ": " + error.get().substring(ERROR.length()).strip());
            return Optional.empty();
        }
        return Optional.of(text);
    }

    private static Map<String, String> sections(String output) {
        Map<String, String> sections = new LinkedHashMap<>();
        String current = null;
        StringBuilder text = new StringBuilder();
        for (String line : output.lines().toList()) {
            if (line.startsWith(HEADING)) {
                if (current != null) {
                    sections.put(current, text.toString());
                }
                current = line.substring(HEADING.length()).strip();
                text.setLength(0);
            } else if (current != null) {
                text.append(line).append('\n');
            }
        }
        if (current != null) {
            sections.put(current, text.toString());
        }
        return sections;
    }
}
