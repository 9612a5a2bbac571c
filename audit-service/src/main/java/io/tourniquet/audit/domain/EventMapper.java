package io.tourniquet.audit.domain;

import java.time.Instant;
import java.util.Optional;
import io.tourniquet.schemas.AgentHeartbeat;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.DriftDetected;
import io.tourniquet.schemas.HealthStatus;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationFailed;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationWithdrawn;
import io.tourniquet.schemas.MitigationRemoved;
import io.tourniquet.schemas.MitigationSkipped;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import org.apache.avro.specific.SpecificRecord;

/** Turns each kind of event into the audit trail's one shape. */
public final class EventMapper {

    /** Liveness only: updates a server's last-seen time, not kept as an evidence record. */
    public static final String HEARTBEAT_TYPE = AuditType.AGENT_HEARTBEAT.wireName();

    private EventMapper() {
    }

    /** The server's state once a policy decision is recorded; null for a type that does not change it. */
    private static String stateAfter(AuditType decision) {
        return switch (decision) {
            case DECISION_APPLY -> "COMMANDED";
            case DECISION_REMOVE -> "REMOVAL_COMMANDED";
            case DECISION_BLOCKED -> "BLOCKED";
            case DECISION_DISABLED -> "DISABLED";
            case DECISION_AWAITING_APPROVAL -> "AWAITING_APPROVAL";
            case DECISION_REJECTED -> "REJECTED";
            case DECISION_DEFERRED -> "DEFERRED";
            case DECISION_HALTED -> "HALTED";
            default -> null;
        };
    }

    /**
     * @throws IllegalArgumentException for a message type the audit trail does not take, so that it is dead-lettered
     */
    public static StoredEvent map(SpecificRecord value, String topic) {
        String payload = value.toString();
        if (value instanceof AuditRecord a) {
            String state = a.getServerId() == null ? null : AuditType.fromWire(a.getType()).map(EventMapper::stateAfter).orElse(null);
            String tenant = a.getTenantId() == null ? AuditEvents.NO_TENANT_KEY : a.getTenantId();
            return new StoredEvent(a.getEventId(), tenant, a.getServerId(), a.getMitigationId(), a.getRevision(), a.getType(),
                    a.getOutcome(), a.getActor(), a.getReason(), a.getOccurredAt(), topic, payload, state, null);
        }
        if (value instanceof MitigationPublished e) {
            return new StoredEvent(e.getEventId(), AuditEvents.NO_TENANT_KEY, null, e.getDefinition().getId(), e.getDefinition().getRevision(),
                    AuditType.FEED_PUBLISHED.wireName(), "published", "feed:" + e.getEvidence().getFeedId(), e.getDefinition().getTitle(), e.getPublishedAt(),
                    topic, payload, null, null);
        }
        if (value instanceof MitigationWithdrawn e) {
            return new StoredEvent(e.getEventId(), AuditEvents.NO_TENANT_KEY, null, e.getMitigationId(), e.getRevision(),
                    AuditType.FEED_WITHDRAWN.wireName(), "withdrawn", "feed:" + e.getEvidence().getFeedId(), e.getReason(), e.getWithdrawnAt(), topic, payload, null, null);
        }
        if (value instanceof MitigationApplied e) {
            // applied all the same (in force, never undone by the agent); a regression is said where people read
            boolean regressed = e.getHealth() != null && e.getHealth().getStatus() == HealthStatus.REGRESSED;
            return agent(e.getEventId(), e.getTenantId(), e.getServerId(), e.getCommand().getMitigationId(), e.getCommand().getRevision(),
                    AuditType.AGENT_APPLIED.wireName(), "applied", regressed ? "health regressed after applying: " + e.getHealth().getSummary() : null,
                    e.getAppliedAt(), topic, payload, "APPLIED");
        }
        if (value instanceof MitigationRemoved e) {
            return agent(e.getEventId(), e.getTenantId(), e.getServerId(), e.getCommand().getMitigationId(), e.getCommand().getRevision(),
                    AuditType.AGENT_REMOVED.wireName(), "removed", null, e.getRemovedAt(), topic, payload, "REMOVED");
        }
        if (value instanceof MitigationFailed e) {
            return agent(e.getEventId(), e.getTenantId(), e.getServerId(), e.getCommand().getMitigationId(), e.getCommand().getRevision(),
                    AuditType.AGENT_FAILED.wireName(), "failed", e.getError() + "; rollback: " + e.getRollback(), e.getFailedAt(), topic, payload, "FAILED");
        }
        if (value instanceof MitigationSkipped e) {
            var command = e.getCommand();
            return agent(e.getEventId(), e.getTenantId(), e.getServerId(), command == null ? null : command.getMitigationId(),
                    command == null ? null : command.getRevision(), AuditType.AGENT_SKIPPED.wireName(), e.getReason().name().toLowerCase(),
                    e.getDetail(), e.getSkippedAt(), topic, payload, null);
        }
        if (value instanceof DriftDetected e) {
            return agent(e.getEventId(), e.getTenantId(), e.getServerId(), e.getMitigationId(), e.getRevision(), AuditType.AGENT_DRIFT.wireName(),
                    e.getCorrected() ? "corrected" : "reported", "expected " + e.getExpectedDigest() + ", found " + e.getActualDigest(),
                    e.getDetectedAt(), topic, payload, e.getCorrected() ? "APPLIED" : "DRIFTED");
        }
        if (value instanceof ServerInventory e) {
            return new StoredEvent(e.getEventId(), e.getTenantId(), e.getServerId(), null, null, AuditType.AGENT_INVENTORY.wireName(), "reported",
                    "agent:" + e.getServerId(), null, e.getReportedAt(), topic, payload, null,
                    new StoredEvent.ServerReport(e.getProduct(), e.getBuild(), e.getBackend(), e.getAgentVersion()));
        }
        if (value instanceof AgentHeartbeat e) {
            return new StoredEvent(e.getEventId(), e.getTenantId(), e.getServerId(), null, null, HEARTBEAT_TYPE, "alive",
                    "agent:" + e.getServerId(), null, e.getReportedAt(), topic, payload, null, null, e.getEnforcement());
        }
        throw new IllegalArgumentException(value.getClass().getSimpleName() + " is not an event the audit trail takes (on " + topic + ")");
    }

    /** What the mitigation catalog learns from a feed event; empty for every other event. */
    public static Optional<CatalogEntry> catalog(SpecificRecord value) {
        if (value instanceof MitigationPublished e) {
            var kev = e.getExploitation();
            String due = kev.stream().map(x -> x.getDueDate()).sorted().findFirst().orElse(null);
            return Optional.of(new CatalogEntry(e.getDefinition().getId(), e.getDefinition().getRevision(), e.getDefinition().getTitle(),
                    e.getDefinition().getCves(), e.getPublishedAt(), null, kev.stream().map(x -> x.getCveId()).toList(), due));
        }
        if (value instanceof MitigationWithdrawn e) {
            return Optional.of(new CatalogEntry(e.getMitigationId(), e.getRevision(), null, null, null, e.getWithdrawnAt(), null, null));
        }
        return Optional.empty();
    }

    private static StoredEvent agent(String eventId, String tenant, String server, String mitigation, Integer revision, String type,
            String outcome, String reason, Instant at, String topic, String payload, String state) {
        return new StoredEvent(eventId, tenant, server, mitigation, revision, type, outcome, "agent:" + server, reason, at, topic,
                payload, state, null);
    }
}
