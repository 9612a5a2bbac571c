package io.tourniquet.agent.backend.iis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.agent.backend.ServerFacts;
import io.tourniquet.agent.backend.windows.PowerShell;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The inventory script's output parsed as PowerShell prints it. Windows cannot run here; each sample is in the format
 * Microsoft documents, with where it comes from:
 * <ul>
 * <li>EXSETUP: "Exchange Server build numbers and release dates" (learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates)
 * gives {@code Get-Command Exsetup.exe | ForEach-Object { $_.FileVersionInfo }}; its table has ProductVersion, FileVersion and
 * FileName, zero-padded (15.02.1544.014, published as 15.2.1544.14).</li>
 * <li>HOTFIXES: Get-HotFix, Example 1 of its reference page (learn.microsoft.com/powershell/module/microsoft.powershell.management/get-hotfix):
 * columns Source, Description, HotFixID, InstalledBy, InstalledOn.</li>
 * <li>EXCHANGE_UPDATES: the PackageName value of each key under HKLM:\SOFTWARE\Microsoft\Updates\Exchange 2019, as
 * Microsoft's HealthChecker reads them (microsoft/CSS-Exchange, Get-ExchangeUpdates.ps1); the name as Exchange's
 * security update installer writes it.</li>
 * <li>URL_REWRITE: the Version value of HKLM:\SOFTWARE\Microsoft\IIS Extensions\URL Rewrite (URL Rewrite 2.1 is 7.2.1993).</li>
 * <li>APPS: {@code appcmd list site} and {@code appcmd list app}, whose lines read {@code SITE "<site>" (id:1,bindings:...,state:Started)}
 * and {@code APP "<site>/<path>" (applicationPool:<pool>)} (IIS's appcmd reference).</li>
 * </ul>
 */
class IisInventoryTest {

    static final String EXSETUP = """

            ProductVersion FileVersion    FileName
            -------------- -----------    --------
            15.02.1544.014 15.02.1544.014 C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\ExSetup.exe


            """;

    static final String HOTFIXES = """

            Source   Description     HotFixID  InstalledBy         InstalledOn
            ------   -----------     --------  -----------         -----------
            Server01 Update          KB4495590 NT AUTHORITY\\SYSTEM 5/16/2019 12:00:00 AM
            Server01 Security Update KB4470788 NT AUTHORITY\\SYSTEM 1/22/2019 12:00:00 AM
            Server01 Security Update KB5044281 NT AUTHORITY\\SYSTEM 10/8/2024 12:00:00 AM


            """;

    static final String EXCHANGE_UPDATES = """
            Security Update for Exchange Server 2019 Cumulative Update 14 (KB5049233)
            Security Update for Exchange Server 2019 Cumulative Update 14 (KB5050672)
            """;

    static final String URL_REWRITE = "7.2.1993\n";

    static final String APPS = """
            SITE "Default Web Site" (id:1,bindings:http/*:80:,https/*:443:,state:Started)
            SITE "Exchange Back End" (id:2,bindings:http/*:81:,https/*:444:,state:Started)
            APP "Default Web Site/" (applicationPool:DefaultAppPool)
            APP "Default Web Site/owa" (applicationPool:MSExchangeOWAAppPool)
            APP "Default Web Site/ecp" (applicationPool:MSExchangeECPAppPool)
            APP "Default Web Site/EWS" (applicationPool:MSExchangeServicesAppPool)
            APP "Exchange Back End/owa" (applicationPool:MSExchangeOWAAppPool)
            """;

    private static String output(String exsetup, String hotfixes, String exchangeUpdates, String urlRewrite, String apps) {
        List<String> parts = new ArrayList<>();
        parts.add("### exsetup\n" + exsetup);
        parts.add("### hotfixes\n" + hotfixes);
        parts.add("### exchange-updates\n" + exchangeUpdates);
        parts.add("### url-rewrite\n" + urlRewrite);
        parts.add("### web-applications\n" + apps);
        return String.join("", parts);
    }

    @Test
    void everyFactIsReadFromMicrosoftsOwnOutputs() {
        ServerFacts facts = IisInventory.parse(new PowerShell.Result(0, output(EXSETUP, HOTFIXES, EXCHANGE_UPDATES, URL_REWRITE, APPS)));
        assertThat(facts.build()).as("zero padding dropped, as Microsoft publishes builds").isEqualTo("15.2.1544.14");
        assertThat(facts.installedUpdates()).containsExactly("KB4470788", "KB4495590", "KB5044281", "KB5049233", "KB5050672");
        assertThat(facts.components()).containsEntry("iis-url-rewrite", "7.2.1993");
        assertThat(facts.webApplications()).containsExactly("Default Web Site", "Exchange Back End", "Default Web Site/", "Default Web Site/owa", "Default Web Site/ecp",
                "Default Web Site/EWS", "Exchange Back End/owa");
        assertThat(facts.unreadable()).isEmpty();
    }

    @Test
    void whatCannotBeReadIsUnknownWithPowerShellsMessageAndTheRestIsStillRead() {
        String exsetupMissing = "!! The term 'ExSetup.exe' is not recognized as the name of a cmdlet, function, script file, or operable program.\n";
        String noRewrite = "!! Cannot find path 'HKLM:\\SOFTWARE\\Microsoft\\IIS Extensions\\URL Rewrite' because it does not exist.\n";
        ServerFacts facts = IisInventory.parse(new PowerShell.Result(0, output(exsetupMissing, HOTFIXES, EXCHANGE_UPDATES, noRewrite, APPS)));

        assertThat(facts.build()).isNull();
        assertThat(facts.unreadable().get("build")).isEqualTo("exsetup: " + exsetupMissing.substring(3).strip());
        assertThat(facts.unreadable().get("iis-url-rewrite")).contains("does not exist");
        assertThat(facts.components()).doesNotContainKey("iis-url-rewrite");
        assertThat(facts.installedUpdates()).contains("KB5049233");
        assertThat(facts.webApplications()).hasSize(7);
    }

    @Test
    void updatesAreUnknownOnlyWhenNeitherSourceCouldBeRead() {
        String denied = "!! Requested registry access is not allowed.\n";
        ServerFacts onlyHotfixes = IisInventory.parse(new PowerShell.Result(0, output(EXSETUP, HOTFIXES, denied, URL_REWRITE, APPS)));
        assertThat(onlyHotfixes.installedUpdates()).containsExactly("KB4470788", "KB4495590", "KB5044281");
        assertThat(onlyHotfixes.unreadable()).containsEntry("exchangeUpdates", "exchange-updates: Requested registry access is not allowed.");

        ServerFacts neither = IisInventory.parse(new PowerShell.Result(0, output(EXSETUP, "!! Access is denied.\n", denied, URL_REWRITE, APPS)));
        assertThat(neither.installedUpdates()).as("null: no update is taken as installed").isNull();
        assertThat(neither.unreadable()).containsKeys("installedUpdates", "exchangeUpdates");
    }

    @Test
    void aFileVersionThatIsNotABuildIsNotReported() {
        String odd = EXSETUP.replace("15.02.1544.014 15.02.1544.014", "15.02.1544.014 unknown       ");
        ServerFacts facts = IisInventory.parse(new PowerShell.Result(0, output(odd, HOTFIXES, EXCHANGE_UPDATES, URL_REWRITE, APPS)));
        assertThat(facts.build()).isNull();
        assertThat(facts.unreadable().get("build")).contains("'unknown', not a build number");
    }

    @Test
    void aScriptThatDidNotRunLeavesEverythingUnknown() {
        ServerFacts facts = IisInventory.parse(new PowerShell.Result(1, "powershell.exe: execution of scripts is disabled on this system"));
        assertThat(facts.build()).isNull();
        assertThat(facts.installedUpdates()).isNull();
        assertThat(facts.unreadable().get("build")).contains("did not run (exit 1)").contains("execution of scripts is disabled");
    }

    @Test
    void theScriptReadsEachFactInItsOwnGuardedSectionFromMicrosoftsSources() {
        assertThat(IisInventory.SCRIPT).contains("$ErrorActionPreference = 'Stop'")
                .contains("Get-Command ExSetup.exe | ForEach-Object { $_.FileVersionInfo }")
                .contains("Get-HotFix")
                .contains("HKLM:\\SOFTWARE\\Microsoft\\Updates").contains("GetValue('PackageName')")
                .contains("HKLM:\\SOFTWARE\\Microsoft\\IIS Extensions\\URL Rewrite").contains("appcmd.exe\" list site").contains("appcmd.exe\" list app")
                .contains("Out-String -Width 4096");
        assertThat(IisInventory.SCRIPT.split("try \\{", -1)).as("one try per section").hasSize(6);
    }
}
