package io.tourniquet.agent.backend.windows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads PowerShell's table view (Format-Table, the default view of Get-HotFix, FileVersionInfo...): a header line, a
 * line of dashes under each column name, then one row per line. Columns are cut where the dash runs start, as
 * PowerShell aligns them; the script asks for {@code Out-String -Width 4096} so that no value is cut short with "...".
 */
public final class PowerShellTable {

    private PowerShellTable() {
    }

    /** The rows of the first table in the text, each as column name -> value (trimmed); empty when there is no table. */
    public static List<Map<String, String>> rows(String text) {
        List<String> lines = text.lines().toList();
        for (int i = 1; i < lines.size(); i++) {
            String dashes = lines.get(i);
            if (!dashes.isBlank() && dashes.strip().chars().allMatch(c -> c == '-' || c == ' ')) {
                return rows(lines.get(i - 1), dashes, lines.subList(i + 1, lines.size()));
            }
        }
        return List.of();
    }

    private static List<Map<String, String>> rows(String header, String dashes, List<String> body) {
        List<int[]> columns = new ArrayList<>();
        for (int start = dashes.indexOf('-'); start >= 0; ) {
            int end = dashes.indexOf(' ', start);
            columns.add(new int[] {start, end < 0 ? dashes.length() : end});
            start = end < 0 ? -1 : dashes.indexOf('-', end);
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : body) {
            if (line.isBlank()) {
                break;
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < columns.size(); c++) {
                int from = columns.get(c)[0];
                int to = c + 1 < columns.size() ? columns.get(c + 1)[0] : Integer.MAX_VALUE;
                row.put(cut(header, from, to), cut(line, from, to));
            }
            rows.add(row);
        }
        return rows;
    }

    private static String cut(String line, int from, int to) {
        return from >= line.length() ? "" : line.substring(from, Math.min(to, line.length())).strip();
    }
}
