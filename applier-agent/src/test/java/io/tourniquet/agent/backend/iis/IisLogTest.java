package io.tourniquet.agent.backend.iis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.agent.backend.EnforcementLog;
import io.tourniquet.schemas.EnforcementCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site's W3C log as IIS 8.5+ writes it. Provenance: composed here (no Windows server on these machines) after
 * Microsoft's documentation, not captured from a server: the directives (#Software, #Version, #Date, #Fields) and
 * field names of the W3C Extended Log File Format (W3C working draft WD-logfile-960323, as IIS documents it under
 * "W3C Logging"), IIS's default field set in the order IIS writes it (date time s-ip cs-method cs-uri-stem
 * cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken),
 * times in UTC, spaces in values as '+', '-' for none, CRLF line ends, and a custom field (IIS configuration reference,
 * system.applicationHost/sites/site/logFile/customFields) named by its logFieldName after the standard ones, in a
 * file whose name ends in _x (u_exYYMMDD_x.log, one a day).
 */
class IisLogTest {

    private static final String HEADER = "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: %s 00:00:01\r\n"
            + "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus "
            + "sc-win32-status time-taken x-tourniquet\r\n";
    /** An exploit attempt M1.1 (ProxyNotShell) refused: AbortRequest leaves no status, the mark says which rule. */
    private static final String BLOCKED = "%s 10.0.0.5 GET /autodiscover/autodiscover.json @evil.com/powershell/&Email=autodiscover/autodiscover.json%%3F@evil.com 443 - "
            + "203.0.113.9 python-requests/2.31.0 - 0 0 64 3 blocked:M1.1\r\n";
    private static final String WOULD_BLOCK = "%s 10.0.0.5 GET /owa/auth/x.js - 443 - 203.0.113.9 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15 would-block:M2.1\r\n";
    /** Ordinary traffic; and a client that writes a mark into its query string and user agent: only the field counts. */
    private static final String OTHER = "2026-12-05 10:00:00 10.0.0.5 GET /owa/ blocked:M1.1 443 contoso\\alice 198.51.100.4 blocked:M1.1 - 200 0 0 31 -\r\n";

    @TempDir
    Path dir;

    private EnforcementLog log() {
        return new EnforcementLog(EnforcementLog.directory(dir, ".log"), dir.resolve("counts.json"), new IisLog());
    }

    private void append(String file, String text) throws Exception {
        Files.writeString(dir.resolve(file), text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String summary(List<EnforcementCount> counts) {
        return counts.stream().map(c -> c.getMitigationId() + "=" + c.getBlocked() + "/" + c.getWouldBlock()).toList().toString();
    }

    @Test
    void marksAreCountedPerMitigationFromTheCustomFieldAndNothingElse() throws Exception {
        append("u_ex261205_x.log", HEADER.formatted("2026-12-05") + OTHER + BLOCKED.formatted("2026-12-05 10:00:01")
                + WOULD_BLOCK.formatted("2026-12-05 10:00:02") + BLOCKED.formatted("2026-12-05 10:00:03"));
        List<EnforcementCount> counts = log().counts();
        assertThat(summary(counts)).isEqualTo("[M1.1=2/0, M2.1=0/1]");
        assertThat(counts.get(0).getFirstSeenAt()).isEqualTo(Instant.parse("2026-12-05T10:00:01Z"));
        assertThat(counts.get(0).getLastSeenAt()).isEqualTo(Instant.parse("2026-12-05T10:00:03Z"));
    }

    @Test
    void aNewDayIsReadAfterTheRestOfTheDayBeforeAndARestartCountsNothingTwice() throws Exception {
        append("u_ex261205_x.log", HEADER.formatted("2026-12-05") + BLOCKED.formatted("2026-12-05 23:59:58"));
        assertThat(summary(log().counts())).isEqualTo("[M1.1=1/0]");

        // IIS appends the last requests of the day, then starts a new file; the agent was restarted meanwhile
        append("u_ex261205_x.log", BLOCKED.formatted("2026-12-05 23:59:59"));
        append("u_ex261206_x.log", HEADER.formatted("2026-12-06") + BLOCKED.formatted("2026-12-06 00:00:02"));
        List<EnforcementCount> counts = log().counts();
        assertThat(summary(counts)).isEqualTo("[M1.1=3/0]");
        assertThat(counts.get(0).getLastSeenAt()).isEqualTo(Instant.parse("2026-12-06T00:00:02Z"));
        assertThat(summary(log().counts())).as("read again: nothing new").isEqualTo("[M1.1=3/0]");
    }

    @Test
    void fieldsAreReadUnderTheLatestDirectiveAndLinesThatDoNotFitItAreSkipped() throws Exception {
        // IIS writes the directives again when the site restarts; here with fewer standard fields (the mark moved)
        append("u_ex261205_x.log", HEADER.formatted("2026-12-05") + BLOCKED.formatted("2026-12-05 10:00:01")
                + "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2026-12-05 11:00:00\r\n"
                + "#Fields: date time cs-uri-stem sc-status x-tourniquet\r\n"
                + "2026-12-05 11:00:01 /autodiscover/autodiscover.json 0 blocked:M1.1\r\n"
                + "2026-12-05 11:00:02 /owa/ 200\r\n" // a value missing: not counted, not misread
                + "2026-12-05 11:00:03 /owa/ 200 blocked:M1.1;rm\r\n"); // not a mark
        assertThat(summary(log().counts())).isEqualTo("[M1.1=2/0]");
        // a log with no #Fields yet (read from the middle of a file) counts nothing rather than guessing columns
        Files.writeString(dir.resolve("u_ex261207_x.log"), BLOCKED.formatted("2026-12-07 10:00:00"));
        assertThat(summary(log().counts())).isEqualTo("[M1.1=2/0]");
    }
}
