package io.tourniquet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchChartTest {

    private static final Map<String, Object> RESULT = Map.of(
            "oneMitigation", Map.of(
                    "timeToMitigateMs", Map.of("count", 3, "p50", 1660, "p95", 4180, "p99", 4730, "max", 4760),
                    "stages", Map.of("ingestMs", 27, "policyFanOutMs", Map.of("count", 3, "p50", 580, "p95", 3260, "p99", 4050, "max", 4050),
                            "auditStoredMs", "timed out"),
                    "realAgents", Map.of("timeToMitigateMs", Map.of("count", 0))),
            "unblockOneTenant", Map.of("timeToMitigateMs", Map.of("count", 2, "p50", 609, "p95", 628, "p99", 628, "max", 628)));

    @Test
    void everyDistributionOfTheReportIsARowAndWhatIsMissingIsLeftOut() {
        List<BenchChart.Row> rows = BenchChart.rows(RESULT);

        assertThat(rows).extracting(r -> r.scenario() + ": " + r.stage()).containsExactly(
                "steady state: time to mitigate", "steady state: - ingest", "steady state: - policy fan-out (to first seen)",
                "unblock one tenant: time to mitigate");
        assertThat(rows.get(0)).isEqualTo(new BenchChart.Row("steady state", "time to mitigate", 1660, 4180, 4730, 4760));
        assertThat(rows.get(1)).as("a single time is one point").isEqualTo(new BenchChart.Row("steady state", "- ingest", 27, 27, 27, 27));
    }

    @Test
    void theBarRunsFromP50ToP99OnALogarithmicAxisAndTheFiguresAreWrittenBesideIt(@TempDir Path dir) throws Exception {
        Path svg = BenchChart.write(dir.resolve("run.json"), "bench <10k>", "10,400 servers & 502 tenants", BenchChart.rows(RESULT));

        String picture = Files.readString(svg);
        assertThat(svg.getFileName()).hasToString("run.svg");
        assertThat(Files.readString(dir.resolve("run.html"))).contains(picture.strip(), "href=\"run.json\"");
        assertThat(picture).startsWith("<svg").contains("bench &lt;10k&gt;", "10,400 servers &amp; 502 tenants", "p50 1.66 s · p99 4.73 s · max 4.76 s", ">27 ms<", ">10 ms<", ">10.00 s<");
        // axis from 10 ms to 10 s in three decades over 520 px from x=330: 1,660 ms at 330 + 520 * log10(166) / 3
        Matcher bar = Pattern.compile("<rect x=\"([\\d.]+)\" y=\"\\d+\" width=\"([\\d.]+)\" height=\"12\" fill=\"#1f5fa8\"/>").matcher(picture);
        assertThat(bar.find()).isTrue();
        assertThat(Double.parseDouble(bar.group(1))).isCloseTo(330 + 520 * Math.log10(166) / 3, offset(0.1));
        assertThat(Double.parseDouble(bar.group(1)) + Double.parseDouble(bar.group(2))).isCloseTo(330 + 520 * Math.log10(473) / 3,
                offset(0.2));
    }
}
