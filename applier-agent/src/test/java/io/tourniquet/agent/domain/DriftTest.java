package io.tourniquet.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.agent.Commands;
import io.tourniquet.agent.backend.iis.IisBackend;
import io.tourniquet.agent.backend.iis.UrlRewriteRules;
import io.tourniquet.agent.backend.windows.PowerShell;
import io.tourniquet.schemas.MitigationApplied;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Someone removes the M1.1 rule from the real Exchange web.config by hand; the agent notices and puts it back. */
class DriftTest {

    private static final Path REAL = Path.of(System.getProperty("tourniquet.testdata.dir", "../testdata"), "exchange/iis/DefaultWebSite_web.config");

    @Test
    void aRuleRemovedByHandIsReportedAndPutBackOrOnlyReported(@TempDir Path dir) throws Exception {
        Path webConfig = dir.resolve("web.config");
        Files.copy(REAL, webConfig);
        Files.writeString(dir.resolve("rewrite.dll"), "stand-in");
        var agent = new ServerAgent(new ServerAgent.Identity("tenant-a", "exch01", "Exchange", "test"),
                Commands.gate(),
                new IisBackend(Map.of("Default Web Site", webConfig), dir.resolve("rewrite.dll"), script -> new PowerShell.Result(1, "no Windows here"), dir, dir.resolve("W3SVC1")),
                new AgentStateStore(Optional.of(dir.resolve("state"))), new LocalControlStore(Optional.empty()));
        assertThat(agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).build()))).isInstanceOf(MitigationApplied.class);
        assertThat(agent.checkDrift(true)).isEmpty();

        String ruleName = Commands.m11().getActions().get(0) instanceof io.tourniquet.schemas.BlockRequests b ? b.getRuleName() : "";
        Files.writeString(webConfig, UrlRewriteRules.remove(Files.readString(webConfig), ruleName));

        var reportOnly = agent.checkDrift(false);
        assertThat(reportOnly).singleElement().satisfies(d -> {
            assertThat(d.getMitigationId()).isEqualTo("M1.1");
            assertThat(d.getCorrected()).isFalse();
        });
        assertThat(UrlRewriteRules.find(Files.readString(webConfig), ruleName)).isEmpty();

        assertThat(agent.checkDrift(true)).singleElement().satisfies(d -> assertThat(d.getCorrected()).isTrue());
        assertThat(UrlRewriteRules.find(Files.readString(webConfig), ruleName)).isPresent();
        assertThat(agent.checkDrift(true)).isEmpty();
    }
}
