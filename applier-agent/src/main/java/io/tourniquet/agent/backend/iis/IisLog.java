package io.tourniquet.agent.backend.iis;

import io.tourniquet.agent.backend.EnforcementLog;
import io.tourniquet.agent.backend.windows.IisLogFieldSetup;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A site's W3C extended log as IIS writes it: {@code #} directives, {@code #Fields:} naming the columns of the lines
 * after it, one request per line with space-separated values ("-" for none, spaces inside a value written as "+"),
 * date and time in UTC. A request one of Tourniquet's rules matched carries the rule's mark in the
 * {@link IisLogFieldSetup#LOG_FIELD} column ({@code blocked:<mitigation>}, or {@code would-block:<mitigation>} log-only).
 * The mark comes from a server variable only a rule can set, so a client cannot forge one.
 */
public final class IisLog implements EnforcementLog.Format {

    private static final String FIELDS = "#Fields:";
    private static final Pattern MARK = Pattern.compile("(blocked|would-block):([A-Za-z0-9][A-Za-z0-9._-]{0,127})");

    @Override
    public Optional<String> layout(String line) {
        return line.startsWith(FIELDS) ? Optional.of(line.substring(FIELDS.length()).strip()) : Optional.empty();
    }

    @Override
    public Optional<EnforcementLog.Hit> hit(String line, String layout) {
        if (line.isEmpty() || line.startsWith("#") || layout.isEmpty()) {
            return Optional.empty();
        }
        List<String> fields = Arrays.asList(layout.split(" "));
        String[] values = line.split(" ");
        int mark = fields.indexOf(IisLogFieldSetup.LOG_FIELD);
        int date = fields.indexOf("date");
        int time = fields.indexOf("time");
        if (values.length != fields.size() || mark < 0 || date < 0 || time < 0) {
            return Optional.empty();
        }
        Matcher m = MARK.matcher(values[mark]);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new EnforcementLog.Hit(m.group(2), m.group(1).equals("blocked"),
                    LocalDateTime.parse(values[date] + "T" + values[time]).toInstant(ZoneOffset.UTC)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
