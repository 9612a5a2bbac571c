package io.tourniquet.agent.backend.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.schemas.DisableAppPool;
import io.tourniquet.schemas.DisableService;
import io.tourniquet.schemas.DisableVirtualDirectory;
import io.tourniquet.schemas.SetAuthentication;
import org.junit.jupiter.api.Test;

/** What the agent would run on Windows; PowerShell itself is not on this machine. */
class WindowsActionsTest {

    @Test
    void disablingAServiceStopsItKeepsItFromStartingAndChecksIt() {
        assertThat(WindowsActions.disable(new DisableService("MSExchangeTransport"))).isEqualTo(
                "$ErrorActionPreference = 'Stop'; $s = Get-Service -Name 'MSExchangeTransport'; Write-Output $s.StartType; "
                        + "Set-Service -Name 'MSExchangeTransport' -StartupType Disabled; Stop-Service -Name 'MSExchangeTransport' -Force; "
                        + "if ((Get-Service -Name 'MSExchangeTransport').Status -ne 'Stopped') { exit 3 }");
        assertThat(WindowsActions.restore(new DisableService("MSExchangeTransport"), "Automatic")).isEqualTo(
                "$ErrorActionPreference = 'Stop'; Set-Service -Name 'MSExchangeTransport' -StartupType 'Automatic'; "
                        + "if ('Automatic' -ne 'Disabled') { Start-Service -Name 'MSExchangeTransport' }");
    }

    @Test
    void disablingAnAppPoolTurnsOffAutoStartAndStopsIt() {
        assertThat(WindowsActions.disable(new DisableAppPool("MSExchangePowerShellFrontEndAppPool")))
                .contains("Set-ItemProperty -Path ('IIS:\\AppPools\\' + 'MSExchangePowerShellFrontEndAppPool') -Name autoStart -Value $false")
                .contains("Stop-WebAppPool -Name 'MSExchangePowerShellFrontEndAppPool'")
                .startsWith("$ErrorActionPreference = 'Stop'; Import-Module WebAdministration; ");
        assertThat(WindowsActions.restore(new DisableAppPool("MSExchangePowerShellFrontEndAppPool")))
                .endsWith("Start-WebAppPool -Name 'MSExchangePowerShellFrontEndAppPool'");
    }

    @Test
    void namesThatCouldCarryScriptAreRefusedBeforeAnythingRuns() {
        for (String evil : new String[] {"x'; Remove-Item C:\\ -Recurse; '", "x\"$(calc)\"", "a`b", "x;y", ""}) {
            assertThatThrownBy(() -> WindowsActions.disable(new DisableService(evil))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> WindowsActions.disable(new DisableAppPool(evil))).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> WindowsActions.restore(new DisableService("W3SVC"), "Automatic; Stop-Computer"))
                .isInstanceOf(IllegalArgumentException.class);
        for (String evilPath : new String[] {"/ecp'; Stop-Computer; '", "/../../Windows", "ecp", "/ecp/$(calc)", "/"}) {
            assertThatThrownBy(() -> WindowsActions.of(new DisableVirtualDirectory("Default Web Site", evilPath))).as(evilPath)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> WindowsActions.of(new SetAuthentication("Default Web Site", "/owa", "basicAuthentication' -Value $true; '", false)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("authentication method");
        assertThatThrownBy(() -> WindowsActions.restore(new SetAuthentication("Default Web Site", "/owa", "basicAuthentication", false), "1; Stop-Computer"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aVirtualDirectoryIsDeniedOnlyIfNoDenyRuleWasThereAndTheInverseLeavesAnAdminsRule() {
        var ecp = new DisableVirtualDirectory("Default Web Site", "/ecp");
        assertThat(WindowsActions.disable(ecp)).contains("-Location 'Default Web Site/ecp'")
                .contains("Add-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location 'Default Web Site/ecp' "
                        + "-Filter 'system.webServer/security/authorization' -Name '.' -Value @{accessType='Deny';users='*'}");
        assertThat(WindowsActions.restore(ecp, "absent")).contains("Remove-WebConfigurationProperty").contains("-AtElement @{accessType='Deny';users='*'}");
        assertThat(WindowsActions.restore(ecp, "present")).doesNotContain("Remove-WebConfigurationProperty");
    }

    @Test
    void anAuthenticationMethodIsSetCheckedAndRestoredToItsPreviousValue() {
        var basicOff = new SetAuthentication("Default Web Site", "/owa", "basicAuthentication", false);
        assertThat(WindowsActions.set(basicOff)).isEqualTo("$ErrorActionPreference = 'Stop'; Import-Module WebAdministration; "
                + "Write-Output (Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location 'Default Web Site/owa' "
                + "-Filter 'system.webServer/security/authentication/basicAuthentication' -Name enabled).Value; "
                + "Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location 'Default Web Site/owa' "
                + "-Filter 'system.webServer/security/authentication/basicAuthentication' -Name enabled -Value $false; "
                + "if ((Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location 'Default Web Site/owa' "
                + "-Filter 'system.webServer/security/authentication/basicAuthentication' -Name enabled).Value -ne $false) { exit 3 }");
        assertThat(WindowsActions.restore(basicOff, "True")).endsWith("-Name enabled -Value $true");
    }
}
