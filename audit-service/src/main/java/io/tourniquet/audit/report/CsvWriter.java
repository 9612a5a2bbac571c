package io.tourniquet.audit.report;

import java.util.List;

/** RFC 4180 CSV: every field quoted, quotes doubled, CRLF line ends (what spreadsheet tools and auditors' scripts read). */
public final class CsvWriter {

    private CsvWriter() {
    }

    public static String evidence(List<Reports.EvidenceRow> rows) {
        StringBuilder csv = new StringBuilder();
        line(csv, "seq", "event_id", "occurred_at", "recorded_at", "type", "outcome", "actor", "server_id", "mitigation_id", "revision",
                "reason", "source_topic", "prev_hash", "hash", "payload");
        for (Reports.EvidenceRow r : rows) {
            line(csv, Long.toString(r.seq()), r.eventId(), r.occurredAt().toString(), r.recordedAt().toString(), r.type(), r.outcome(), r.actor(),
                    r.serverId(), r.mitigationId(), r.revision() == null ? "" : r.revision().toString(), r.reason(), r.sourceTopic(),
                    r.prevHash(), r.hash(), r.payload());
        }
        return csv.toString();
    }

    private static void line(StringBuilder csv, String... fields) {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                csv.append(',');
            }
            csv.append('"').append(fields[i] == null ? "" : fields[i].replace("\"", "\"\"")).append('"');
        }
        csv.append("\r\n");
    }
}
