package io.tourniquet.audit.cloudevents;

import io.tourniquet.schemas.audit.AuditType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An audit event as JSON shaped after OCSF's Remediation Activity class (category 7 Remediation, class 7001): apply is
 * "Harden", removal "Restore", detections (drift) "Detect", decisions and the rest "Other". Fields OCSF has no place for
 * (tenant, mitigation, decision type) go under {@code unmapped}. Exploitation attempts stopped (agent.blocked) are
 * Detection Findings instead.
 */
public final class OcsfRemediation {

    public static final String SOURCE = "urn:tourniquet:audit-service";
    public static final String TYPE_PREFIX = "io.tourniquet.";

    private OcsfRemediation() {
    }

    /**
     * One stored event, as read back from the database; a chain.head-signed event also with its signed head (JSON),
     * so that whoever keeps the CloudEvent can check the database against it later.
     */
    public record Row(long seq, String eventId, String tenantId, String serverId, String mitigationId, Integer revision, String type,
            String outcome, String actor, String reason, Instant occurredAt, String sourceTopic, String signedHead) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final int OTHER = 99;

    /** OCSF Remediation activity ids: 3 restore (a mitigation taken out), 4 mitigate (put in force), 5 drift (other). */
    private static int activity(AuditType type) {
        return switch (type) {
            case AGENT_APPLIED, DECISION_APPLY -> 4;
            case AGENT_REMOVED, DECISION_REMOVE -> 3;
            case AGENT_DRIFT -> 5;
            default -> OTHER;
        };
    }

    /** Where the data's shape is defined: agent.blocked is an OCSF Detection Finding, every other event a Remediation Activity. */
    public static String dataSchema(Row row) {
        return blocked(row) ? "https://schema.ocsf.io/1.1.0/classes/detection_finding" : "https://schema.ocsf.io/1.1.0/classes/remediation_activity";
    }

    private static boolean blocked(Row row) {
        return AuditType.AGENT_BLOCKED.wireName().equals(row.type());
    }

    /**
     * Exploitation attempts a mitigation stopped, as an OCSF Detection Finding (category 2 Findings, class 2004,
     * activity 1 Create) with the Security Control profile's action Denied and disposition Blocked (log-only: Allowed
     * and Logged). The counts are in the reason and under {@code unmapped}.
     */
    private static Map<String, Object> finding(Row row) {
        boolean refused = "blocked".equals(row.outcome());
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("category_uid", 2);
        event.put("category_name", "Findings");
        event.put("class_uid", 2004);
        event.put("class_name", "Detection Finding");
        event.put("activity_id", 1);
        event.put("activity_name", "Create");
        event.put("type_uid", 2004 * 100 + 1);
        event.put("time", row.occurredAt().toEpochMilli());
        event.put("severity_id", 3);
        event.put("action_id", refused ? 2 : 1);
        event.put("action", refused ? "Denied" : "Allowed");
        event.put("disposition_id", refused ? 2 : 17);
        event.put("disposition", refused ? "Blocked" : "Logged");
        event.put("message", row.reason());
        event.put("finding_info", Map.of("uid", row.eventId(), "title", row.mitigationId() + (refused ? " blocked requests" : " would have blocked requests (log-only)"),
                "types", List.of("Exploitation attempt"), "analytic", Map.of("name", row.mitigationId(), "type_id", 1, "type", "Rule")));
        event.put("metadata", Map.of("product", Map.of("name", "Tourniquet", "vendor_name", "Tourniquet"), "version", "1.1.0",
                "uid", row.eventId(), "sequence", row.seq()));
        event.put("device", Map.of("hostname", row.serverId(), "uid", row.tenantId() + "/" + row.serverId(), "type_id", 1));
        event.put("unmapped", unmapped(row));
        return event;
    }

    public static Map<String, Object> of(Row row) {
        if (blocked(row)) {
            return finding(row);
        }
        int activity = AuditType.fromWire(row.type()).map(OcsfRemediation::activity).orElse(OTHER);
        int status = switch (row.outcome()) {
            case "applied", "removed", "corrected", "published", "commanded", "reported", "accepted", "signed" -> 1;
            case "failed", "rejected" -> 2;
            default -> 99;
        };
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("category_uid", 7);
        event.put("category_name", "Remediation");
        event.put("class_uid", 7001);
        event.put("class_name", "Remediation Activity");
        event.put("activity_id", activity);
        event.put("activity_name", switch (activity) {
            case 4 -> "Harden";
            case 3 -> "Restore";
            case 5 -> "Detect";
            default -> "Other";
        });
        event.put("type_uid", 7001 * 100 + activity);
        event.put("time", row.occurredAt().toEpochMilli());
        event.put("severity_id", status == 2 ? 4 : 1);
        event.put("status_id", status);
        event.put("status", status == 1 ? "Success" : status == 2 ? "Failure" : "Other");
        event.put("status_detail", row.outcome());
        event.put("message", row.type() + (row.mitigationId() == null ? "" : " " + row.mitigationId()) + (row.reason() == null ? "" : ": " + row.reason()));
        event.put("metadata", Map.of("product", Map.of("name", "Tourniquet", "vendor_name", "Tourniquet"), "version", "1.1.0",
                "uid", row.eventId(), "sequence", row.seq()));
        event.put("actor", Map.of("user", Map.of("name", row.actor())));
        if (row.serverId() != null) {
            event.put("device", Map.of("hostname", row.serverId(), "uid", row.tenantId() + "/" + row.serverId(), "type_id", 1));
        }
        if (row.mitigationId() != null) {
            event.put("remediation", Map.of("desc", row.mitigationId() + (row.revision() == null ? "" : " r" + row.revision())));
        }
        event.put("unmapped", unmapped(row));
        return event;
    }

    /** What OCSF has no place for: tenant, Tourniquet's type, mitigation, the full reason, the signed chain head. */
    private static Map<String, Object> unmapped(Row row) {
        Map<String, Object> unmapped = new LinkedHashMap<>();
        unmapped.put("tenant_id", row.tenantId());
        unmapped.put("tourniquet_type", row.type());
        unmapped.put("mitigation_id", row.mitigationId());
        unmapped.put("revision", row.revision());
        unmapped.put("reason", row.reason());
        unmapped.put("source_topic", row.sourceTopic());
        if (row.signedHead() != null) {
            try {
                unmapped.put("chain_head", JSON.readValue(row.signedHead(), Map.class));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("the signed head of event " + row.eventId() + " is not JSON", e);
            }
        }
        return unmapped;
    }
}
