package io.tourniquet.agent.backend.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.schemas.DisableAppPool;
import io.tourniquet.schemas.DisableService;
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
    }
}
