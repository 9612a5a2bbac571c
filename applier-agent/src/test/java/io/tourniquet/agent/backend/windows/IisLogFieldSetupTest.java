package io.tourniquet.agent.backend.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The set-up script as text (PowerShell cannot run here): idempotent steps, validated names, W3C required. */
class IisLogFieldSetupTest {

    @Test
    void allowsTheVariableOnceAndAddsTheFieldToEachSiteOnlyIfAbsent() {
        String script = IisLogFieldSetup.setupScript("TOURNIQUET_RULE", List.of("Exchange Back End", "Default Web Site"));
        assertThat(script).startsWith("$ErrorActionPreference = 'Stop'; Import-Module WebAdministration; ")
                .contains("-Filter $allowed -Name Collection | Where-Object { $_.name -eq 'TOURNIQUET_RULE' })) { Add-WebConfigurationProperty")
                .contains("foreach ($site in @('Default Web Site', 'Exchange Back End'))")
                .contains("if ($format -ne 'W3C') {", "exit 4")
                .contains("Where-Object { $_.logFieldName -eq 'x-tourniquet' })) { Add-WebConfigurationProperty")
                .contains("sourceName = 'TOURNIQUET_RULE'; sourceType = 'ServerVariable'")
                .endsWith("Write-Output 'ready'");
    }

    @Test
    void aSiteNameThatCouldCarryScriptIsRefused() {
        assertThatThrownBy(() -> IisLogFieldSetup.setupScript("TOURNIQUET_RULE", List.of("Default Web Site'); Stop-Computer; ('")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid IIS site name");
    }
}
