package io.tourniquet.agent.backend.iis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.agent.backend.BackendException;
import io.tourniquet.agent.backend.iis.UrlRewriteRules.Deployment;
import io.tourniquet.agent.backend.windows.PowerShell;
import io.tourniquet.schemas.DisableService;
import io.tourniquet.schemas.SetAuthentication;
import io.tourniquet.schemas.DisableVirtualDirectory;
import java.util.ArrayList;
import io.tourniquet.schemas.MitigationDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The iis backend on a copy of the real Exchange Default Web Site web.config. Windows and IIS themselves are not here. */
class IisBackendTest {

    private static final Path REAL = Path.of(System.getProperty("tourniquet.testdata.dir", "../testdata"), "exchange/iis/DefaultWebSite_web.config");

    @TempDir
    Path dir;
    /** Plays the Windows server: remembers whether the service is disabled, answers checks accordingly. */
    private final List<String> ran = new ArrayList<>();
    private boolean serviceDisabled;
    private int failDisableWith;
    private PowerShell.Result loggingSetup = new PowerShell.Result(0, "ready");
    private final PowerShell windows = script -> {
        ran.add(script);
        if (script.contains("allowedServerVariables")) {
            return loggingSetup;
        }
        if (script.contains("Stop-Service")) {
            if (failDisableWith != 0) {
                return new PowerShell.Result(failDisableWith, "Cannot find any service with service name 'MSExchangeTransport'.");
            }
            serviceDisabled = true;
            return new PowerShell.Result(0, "Manual");
        }
        if (script.contains("Set-Service") && script.contains("-StartupType 'Manual'")) {
            serviceDisabled = false;
            return new PowerShell.Result(0, "");
        }
        if (script.contains("{ exit 1 }")) {
            return new PowerShell.Result(serviceDisabled ? 0 : 1, "");
        }
        return new PowerShell.Result(0, "");
    };
    private Path webConfig;
    private Path rewriteDll;
    private IisBackend backend;

    @BeforeEach
    void copyTheRealConfig() throws Exception {
        webConfig = dir.resolve("web.config");
        Files.copy(REAL, webConfig);
        rewriteDll = dir.resolve("rewrite.dll");
        Files.writeString(rewriteDll, "stand-in for %windir%\\system32\\inetsrv\\rewrite.dll");
        backend = new IisBackend(Map.of("Default Web Site", webConfig), rewriteDll, windows, dir, dir.resolve("W3SVC1"));
    }

    private static MitigationDefinition eomt1() {
        return MitigationDefinition.newBuilder().setId("EOMT1").setRevision(1).setTitle("ProxyLogon").setProduct("Exchange")
                .setActions(List.of(UrlRewriteRulesTest.PROXYLOGON, UrlRewriteRulesTest.M11, UrlRewriteRulesTest.M21)).build();
    }

    @Test
    void appliesEveryRuleVerifiesThemAndRemovalRestoresTheFile() throws Exception {
        byte[] original = Files.readAllBytes(webConfig);
        var applied = backend.apply(eomt1());
        assertThat(applied.getChanges()).hasSize(3).allSatisfy(c -> assertThat(c).startsWith("added rule"));
        assertThat(applied.getDigestBefore()).isNotEqualTo(applied.getDigestAfter());
        String config = Files.readString(webConfig);
        assertThat(UrlRewriteRules.find(config, UrlRewriteRulesTest.M11.getRuleName()))
                .contains(UrlRewriteRules.expected(UrlRewriteRulesTest.M11, Deployment.enforcing("blocked:EOMT1")));
        assertThat(Files.readAllBytes(dir.resolve("web.config.tourniquet-EOMT1.bak"))).isEqualTo(original);

        assertThat(backend.apply(eomt1()).getChanges()).containsExactly("already in force");
        var removed = backend.remove(eomt1());
        assertThat(removed.getDigestAfter()).isEqualTo(applied.getDigestBefore());
        assertThat(Files.readAllBytes(webConfig)).isEqualTo(original);
    }

    private static MitigationDefinition ruleAndService() {
        return MitigationDefinition.newBuilder().setId("S1").setRevision(1).setTitle("rule and service").setProduct("Exchange")
                .setActions(List.of(UrlRewriteRulesTest.M11, new DisableService("MSExchangeTransport"))).build();
    }

    @Test
    void aServiceIsDisabledThroughPowerShellAndRestoredToItsPreviousStartType() throws Exception {
        byte[] original = Files.readAllBytes(webConfig);
        var applied = backend.apply(ruleAndService());
        assertThat(applied.getChanges()).contains("disable service MSExchangeTransport (was Manual)");
        assertThat(backend.inForce(ruleAndService())).isTrue();
        serviceDisabled = false; // someone started it again by hand
        assertThat(backend.inForce(ruleAndService())).isFalse();
        serviceDisabled = true;

        // a new agent process (after a restart) still knows what to restore
        var restarted = new IisBackend(Map.of("Default Web Site", webConfig), rewriteDll, windows, dir, dir.resolve("W3SVC1"));
        var removed = restarted.remove(ruleAndService());
        assertThat(removed.getChanges()).contains("restored service MSExchangeTransport to Manual");
        assertThat(ran.get(ran.size() - 1)).contains("Set-Service -Name 'MSExchangeTransport' -StartupType 'Manual'");
        assertThat(Files.readAllBytes(webConfig)).isEqualTo(original);
    }

    @Test
    void aServiceThatCannotBeDisabledFailsTheCommandAndTakesItsRulesOutAgain() throws Exception {
        byte[] original = Files.readAllBytes(webConfig);
        failDisableWith = 1;
        assertThatThrownBy(() -> backend.apply(ruleAndService())).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.getMessage()).contains("disable service MSExchangeTransport failed").contains("Cannot find any service");
            assertThat(e.rollback()).startsWith("restored");
        });
        assertThat(Files.readAllBytes(webConfig)).isEqualTo(original);
    }

    @Test
    void withoutTheUrlRewriteModuleNothingIsTouched() throws Exception {
        Files.delete(rewriteDll);
        byte[] original = Files.readAllBytes(webConfig);
        assertThatThrownBy(() -> backend.apply(eomt1())).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.getMessage()).contains("URL Rewrite module is not installed");
            assertThat(e.rollback()).startsWith("not-needed");
        });
        assertThat(Files.readAllBytes(webConfig)).isEqualTo(original);
        assertThat(backend.prerequisites()).containsEntry("iis-url-rewrite", "missing");
    }

    private static MitigationDefinition denyEcpAndBasicAuthOff() {
        return MitigationDefinition.newBuilder().setId("V1").setRevision(1).setTitle("close ECP").setProduct("Exchange")
                .setActions(List.of(new DisableVirtualDirectory("Default Web Site", "/ecp"),
                        new SetAuthentication("Default Web Site", "/owa", "basicAuthentication", false))).build();
    }

    @Test
    void aVirtualDirectoryIsDeniedAndAnAuthenticationMethodTurnedOffThenBothRestored() throws Exception {
        Files.writeString(dir.resolve("urlauthz.dll"), "stand-in");
        // this IIS answers the way the scripts expect: no deny rule yet, basic authentication on
        PowerShell iis = script -> {
            ran.add(script);
            if (script.contains("Add-WebConfigurationProperty")) {
                return new PowerShell.Result(0, "absent");
            }
            if (script.contains("Set-WebConfigurationProperty") && script.contains("-Value $false; if")) {
                return new PowerShell.Result(0, "True");
            }
            return new PowerShell.Result(0, "");
        };
        var server = new IisBackend(Map.of("Default Web Site", webConfig), rewriteDll, iis, dir, dir.resolve("W3SVC1"));

        var applied = server.apply(denyEcpAndBasicAuthOff());
        assertThat(applied.getChanges()).containsExactly("deny every request to Default Web Site/ecp (was absent)",
                "set basicAuthentication of Default Web Site/owa to false (was True)");

        var removed = new IisBackend(Map.of("Default Web Site", webConfig), rewriteDll, iis, dir, dir.resolve("W3SVC1")).remove(denyEcpAndBasicAuthOff());
        assertThat(removed.getChanges()).containsExactly("restored basicAuthentication of Default Web Site/owa to True",
                "restored virtual directory Default Web Site/ecp to absent");
        assertThat(ran.get(ran.size() - 2)).contains("Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location 'Default Web Site/owa' "
                + "-Filter 'system.webServer/security/authentication/basicAuthentication' -Name enabled -Value $true");
        assertThat(ran.get(ran.size() - 1)).contains("Remove-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location 'Default Web Site/ecp'");
    }

    @Test
    void withoutUrlAuthorizationAVirtualDirectoryIsNotTouched() {
        assertThatThrownBy(() -> backend.apply(denyEcpAndBasicAuthOff())).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.getMessage()).contains("URL Authorization is not installed");
            assertThat(e.rollback()).startsWith("not-needed");
        });
        assertThat(ran).isEmpty();
        assertThat(backend.prerequisites()).containsEntry("iis-url-authorization", "missing");
    }

    @Test
    void aFailingStepPutsBackTheStepsBeforeIt() throws Exception {
        Files.writeString(dir.resolve("urlauthz.dll"), "stand-in");
        PowerShell iis = script -> {
            ran.add(script);
            if (script.contains("Set-WebConfigurationProperty") && script.contains("-Value $false; if")) {
                return new PowerShell.Result(1, "Filename: applicationHost.config: section locked");
            }
            return new PowerShell.Result(0, script.contains("Add-WebConfigurationProperty") ? "absent" : "");
        };
        var server = new IisBackend(Map.of("Default Web Site", webConfig), rewriteDll, iis, dir, dir.resolve("W3SVC1"));

        assertThatThrownBy(() -> server.apply(denyEcpAndBasicAuthOff())).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.getMessage()).contains("set basicAuthentication of Default Web Site/owa to false failed").contains("section locked");
            assertThat(e.rollback()).startsWith("restored");
        });
        assertThat(ran.get(ran.size() - 1)).contains("Remove-WebConfigurationProperty").contains("'Default Web Site/ecp'");
    }

    @Test
    void aDefinitionWithAnInvalidNameChangesNothing() throws Exception {
        byte[] original = Files.readAllBytes(webConfig);
        var mixed = MitigationDefinition.newBuilder().setId("X1").setRevision(1).setTitle("mixed").setProduct("Exchange")
                .setActions(List.of(UrlRewriteRulesTest.M11, new DisableVirtualDirectory("Default Web Site", "/ecp/../owa'; Stop-Computer"))).build();
        assertThatThrownBy(() -> backend.apply(mixed)).isInstanceOf(BackendException.class).hasMessageContaining("invalid virtual directory path");
        assertThat(Files.readAllBytes(webConfig)).isEqualTo(original);
        assertThat(ran).isEmpty();
    }

    private static MitigationDefinition m11() {
        return MitigationDefinition.newBuilder().setId("M1.1").setRevision(1).setTitle("ProxyNotShell").setProduct("Exchange")
                .setActions(List.of(UrlRewriteRulesTest.M11)).build();
    }

    @Test
    void requestsTheRulesMatchAreMarkedForIisToLogAndCountedFromTheSitesLog() throws Exception {
        backend.apply(eomt1());
        backend.apply(m11());
        List<String> setups = ran.stream().filter(script -> script.contains("allowedServerVariables")).toList();
        assertThat(setups).as("set up once, before the first rule").hasSize(1);
        assertThat(setups.get(0)).contains("'TOURNIQUET_RULE'", "@('Default Web Site')", "logFieldName = 'x-tourniquet'", "sourceType = 'ServerVariable'");
        assertThat(UrlRewriteRules.find(Files.readString(webConfig), UrlRewriteRulesTest.PROXYLOGON.getRuleName()).orElseThrow().logMark())
                .isEqualTo("blocked:EOMT1");

        Path log = Files.createDirectories(dir.resolve("W3SVC1")).resolve("u_ex261205_x.log");
        Files.writeString(log, "#Fields: date time cs-uri-stem sc-status x-tourniquet\r\n"
                + "2026-12-05 10:00:01 /autodiscover/autodiscover.json 0 blocked:M1.1\r\n"
                + "2026-12-05 10:00:02 /owa/ 200 -\r\n"
                + "2026-12-05 10:00:03 /ecp/ 0 blocked:EOMT1\r\n"
                + "2026-12-05 10:00:04 /autodiscover/autodiscover.json 0 blocked:M1.1\r\n");
        assertThat(backend.enforcementCounts()).extracting(c -> c.getMitigationId() + "=" + c.getBlocked())
                .containsExactly("EOMT1=1", "M1.1=2");
        assertThat(backend.facts().unreadable()).doesNotContainKey("enforcementCounts");
        assertThat(backend.shadowMode().supported()).isTrue();
    }

    @Test
    void whereIisCannotLogTheMarksRulesStillBlockUncountedAndShadowModeIsRefused() throws Exception {
        loggingSetup = new PowerShell.Result(4, "site 'Default Web Site' logs in IIS format: IIS writes custom fields only to W3C logs");
        var applied = backend.apply(m11());
        assertThat(applied.getChanges()).contains("requests blocked are not counted: IIS does not log the rules' marks: the logging set-up failed (exit 4): "
                + "site 'Default Web Site' logs in IIS format: IIS writes custom fields only to W3C logs");
        var rule = UrlRewriteRules.find(Files.readString(webConfig), UrlRewriteRulesTest.M11.getRuleName()).orElseThrow();
        assertThat(rule).isEqualTo(UrlRewriteRules.expected(UrlRewriteRulesTest.M11)); // enforcing, unmarked: no 500.50 on an unallowed variable
        assertThat(backend.inForce(m11())).isTrue();
        assertThat(backend.facts().unreadable()).containsEntry("enforcementCounts",
                "IIS does not log the rules' marks: the logging set-up failed (exit 4): site 'Default Web Site' logs in IIS format: IIS writes custom fields only to W3C logs");
        assertThat(backend.refusals()).containsKey("SHADOW_MODE");
        byte[] before = Files.readAllBytes(webConfig);
        assertThatThrownBy(() -> backend.applyShadow(m11())).isInstanceOf(BackendException.class).hasMessageContaining("cannot deploy M1.1 log-only");
        assertThat(Files.readAllBytes(webConfig)).isEqualTo(before);
    }

    @Test
    void shadowModeOnlyMarksWhatTheRulesMatchAndEnforcingReplacesTheRules() throws Exception {
        byte[] original = Files.readAllBytes(webConfig);
        var shadow = backend.applyShadow(m11());
        assertThat(shadow.getChanges()).singleElement().asString().startsWith("added rule").endsWith("(log-only: nothing blocked)");
        var logOnly = UrlRewriteRules.find(Files.readString(webConfig), UrlRewriteRulesTest.M11.getRuleName()).orElseThrow();
        assertThat(logOnly.action()).isEqualTo("None");
        assertThat(logOnly.logMark()).isEqualTo("would-block:M1.1");
        assertThat(backend.inForce(m11())).as("log-only is not enforcing").isFalse();

        backend.apply(m11());
        assertThat(UrlRewriteRules.find(Files.readString(webConfig), UrlRewriteRulesTest.M11.getRuleName()))
                .contains(UrlRewriteRules.expected(UrlRewriteRulesTest.M11, Deployment.enforcing("blocked:M1.1")));
        assertThat(backend.inForce(m11())).isTrue();
        backend.remove(m11());
        assertThat(Files.readAllBytes(webConfig)).isEqualTo(original);
    }

    @Test
    void shadowModeOfADefinitionThatChangesMoreThanRequestsIsRefusedBeforeAnyChange() throws Exception {
        byte[] original = Files.readAllBytes(webConfig);
        assertThatThrownBy(() -> backend.applyShadow(ruleAndService())).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.getMessage()).contains("deploys only request-blocking rules log-only; DISABLE_SERVICE in S1 would change the server");
            assertThat(e.rollback()).startsWith("not-needed");
        });
        assertThat(Files.readAllBytes(webConfig)).isEqualTo(original);
        assertThat(ran).isEmpty();
    }
}
