package io.tourniquet.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bench's picture: per scenario and stage, the time-to-mitigate distribution (p50 to p99 as a bar, a whisker to the
 * max, p95 marked) on a logarithmic time axis, written as a self-contained SVG (shown by docs/BENCHMARKS.md) and an
 * HTML page holding it, beside the JSON.
 */
final class BenchChart {

    /** One row: a distribution (count, p50, p95, p99, max in ms) or a single time. */
    record Row(String scenario, String stage, double p50, double p95, double p99, double max) {
    }

    private static final int LABEL_WIDTH = 330;
    private static final int PLOT_WIDTH = 520;
    private static final int TEXT_WIDTH = 250;
    private static final int ROW_HEIGHT = 22;
    private static final int TOP = 50;
    private static final double MIN_MS = 10;

    private BenchChart() {
    }

    /** The rows of the bench's result, in the order of the report; figures that are missing are left out. */
    static List<Row> rows(Map<String, Object> result) {
        List<Row> rows = new ArrayList<>();
        for (var scenario : List.of(Map.entry("firstMitigationAfterStart", "first mitigation after start"), Map.entry("oneMitigation", "steady state"),
                Map.entry("firstMitigationAfterPolicyRestart", "after a policy restart"))) {
            if (!(result.get(scenario.getKey()) instanceof Map<?, ?> m)) {
                continue;
            }
            add(rows, scenario.getValue(), "time to mitigate", m.get("timeToMitigateMs"));
            if (m.get("stages") instanceof Map<?, ?> stages) {
                add(rows, scenario.getValue(), "- ingest", stages.get("ingestMs"));
                add(rows, scenario.getValue(), "- policy fan-out (to first seen)", stages.get("policyFanOutMs"));
                add(rows, scenario.getValue(), "- agent apply", stages.get("agentApplyMs"));
                add(rows, scenario.getValue(), "- audit stored after last result", stages.get("auditStoredMs"));
            }
            if (m.get("realAgents") instanceof Map<?, ?> real) {
                add(rows, scenario.getValue(), "real agents' time to mitigate", real.get("timeToMitigateMs"));
            }
        }
        if (result.get("unblockOneTenant") instanceof Map<?, ?> m) {
            add(rows, "unblock one tenant", "time to mitigate", m.get("timeToMitigateMs"));
        }
        if (result.get("offlineComeBack") instanceof Map<?, ?> m) {
            add(rows, "offline come back", "online servers", m.get("onlineTimeToMitigateMs"));
            add(rows, "offline come back", "after coming back", m.get("cameBackTimeToMitigateMs"));
        }
        return rows;
    }

    private static void add(List<Row> rows, String scenario, String stage, Object figure) {
        if (figure instanceof Number n) {
            double ms = n.doubleValue();
            rows.add(new Row(scenario, stage, ms, ms, ms, ms));
        } else if (figure instanceof Map<?, ?> p && p.get("p50") instanceof Number p50) {
            rows.add(new Row(scenario, stage, p50.doubleValue(), number(p.get("p95")), number(p.get("p99")), number(p.get("max"))));
        }
    }

    private static double number(Object value) {
        return ((Number) value).doubleValue();
    }

    /** Writes NAME.svg and NAME.html beside NAME.json; returns the SVG's path. */
    static Path write(Path json, String title, String caption, List<Row> rows) throws IOException {
        String base = json.getFileName().toString().replaceFirst("\\.json$", "");
        Path svgFile = json.resolveSibling(base + ".svg");
        String svg = svg(title, caption, rows);
        Files.writeString(svgFile, svg);
        Files.writeString(json.resolveSibling(base + ".html"), "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
                + escape(title) + "</title></head>\n<body style=\"font-family:sans-serif\">\n" + svg + "\n<p>Figures: <a href=\"" + escape(base)
                + ".json\">" + escape(base) + ".json</a></p>\n</body></html>\n");
        return svgFile;
    }

    static String svg(String title, String caption, List<Row> rows) {
        double maxMs = Math.max(MIN_MS * 10, rows.stream().mapToDouble(Row::max).max().orElse(MIN_MS * 10));
        double decades = Math.ceil(Math.log10(maxMs / MIN_MS));
        int width = LABEL_WIDTH + PLOT_WIDTH + TEXT_WIDTH;
        int height = TOP + rows.size() * ROW_HEIGHT + 56;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"%s\">%n", width, height, width, height, escape(title)));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>%n", escape(title)));
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"38\" fill=\"#444\">%s</text>%n", escape(caption)));
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" fill=\"#444\">bar: p50 to p99, tick: p95, whisker: max; time axis logarithmic</text>%n",
                height - 8));
        for (int d = 0; d <= decades; d++) {
            double ms = MIN_MS * Math.pow(10, d);
            double x = x(ms, decades);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, TOP - 5, x, TOP + rows.size() * ROW_HEIGHT));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%s</text>%n", x,
                    TOP + rows.size() * ROW_HEIGHT + 16, duration(ms)));
        }
        String previous = "";
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            int y = TOP + i * ROW_HEIGHT + ROW_HEIGHT / 2;
            if (!r.scenario().equals(previous)) {
                s.append(String.format(Locale.ROOT, "<line x1=\"10\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>%n", y - ROW_HEIGHT / 2, width - 10, y - ROW_HEIGHT / 2));
                previous = r.scenario();
            }
            s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">%s</text>%n", y + 4, escape(r.scenario() + ": " + r.stage())));
            double x50 = x(r.p50(), decades);
            double x95 = x(r.p95(), decades);
            double x99 = x(r.p99(), decades);
            double xMax = x(r.max(), decades);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>%n", x99, y, xMax, y));
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"12\" fill=\"%s\"/>%n", x50, y - 6, Math.max(2, x99 - x50),
                    r.stage().startsWith("-") ? "#7fa7d6" : "#1f5fa8"));
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\" stroke-width=\"2\"/>%n", x95, y - 7, x95, y + 7));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#222\">%s</text>%n", LABEL_WIDTH + PLOT_WIDTH + 10, y + 4,
                    r.p50() == r.max() ? duration(r.p50()) : "p50 " + duration(r.p50()) + " · p99 " + duration(r.p99()) + " · max " + duration(r.max())));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static double x(double ms, double decades) {
        double clamped = Math.max(MIN_MS, ms);
        return LABEL_WIDTH + PLOT_WIDTH * Math.log10(clamped / MIN_MS) / decades;
    }

    static String duration(double ms) {
        return ms < 1000 ? String.format(Locale.ROOT, "%.0f ms", ms) : String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
