package io.tourniquet.agent.backend.nginx;

import io.tourniquet.agent.backend.EnforcementLog;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The lines the njs program (tourniquet.js, record()) writes to nginx's error log for each request a rule matched. */
public final class NginxErrorLog implements EnforcementLog.Format {

    /**
     * Keep in step with tourniquet.js. Anchored on nginx's own prefix (time, level, pid#tid, *connection, "js:"), so
     * that a request line quoted at the end of another error (a client can put any text in its URL) is never counted.
     */
    private static final Pattern LINE = Pattern.compile(
            "^(\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2}) \\[error\\] \\d+#\\d+: \\*\\d+ js: tourniquet enforcement: (blocked|would-block) mitigation=\"([^\"]+)\"");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss");

    private final ZoneId nginxZone;

    /** @param nginxZone the time zone nginx writes its log times in (the server's) */
    public NginxErrorLog(ZoneId nginxZone) {
        this.nginxZone = nginxZone;
    }

    @Override
    public Optional<EnforcementLog.Hit> hit(String line, String layout) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new EnforcementLog.Hit(m.group(3), "blocked".equals(m.group(2)),
                    LocalDateTime.parse(m.group(1), TIME).atZone(nginxZone).toInstant()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
