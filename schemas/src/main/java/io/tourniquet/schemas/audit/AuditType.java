package io.tourniquet.schemas.audit;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every kind of record in the audit trail, with the name it carries on the wire ({@code AuditRecord.type}) and in
 * the audit database. The field stays an Avro string so that records of release v1 stay readable; this enum is the
 * vocabulary every service writes and reads, so a type no service knows cannot be produced by ours.
 */
public enum AuditType {
    FEED_ACCEPTED("feed.accepted"),
    FEED_REJECTED("feed.rejected"),
    FEED_QUARANTINED("feed.quarantined"),
    FEED_UNREACHABLE("feed.unreachable"),
    FEED_REACHABLE("feed.reachable"),
    FEED_PUBLISHED("feed.published"),
    FEED_WITHDRAWN("feed.withdrawn"),
    KEV_LOADED("kev.loaded"),

    POLICY_UPDATED("policy.updated"),
    APPROVAL_GRANTED("approval.granted"),
    APPROVAL_REJECTED("approval.rejected"),
    ROLLOUT_REQUESTED("rollout.requested"),
    ROLLOUT_START("rollout.start"),
    ROLLOUT_PAUSE("rollout.pause"),
    ROLLOUT_RESUME("rollout.resume"),
    ROLLOUT_STAGE("rollout.stage"),
    KILL_SWITCH_ENGAGED("kill-switch.engaged"),
    KILL_SWITCH_RELEASED("kill-switch.released"),
    SERVER_REMOVE("server.remove"),
    SERVER_REAPPLY("server.reapply"),
    INVENTORY_REJECTED("inventory.rejected"),
    AGENT_ENROLLED("agent.enrolled"),
    TENANT_ONBOARDED("tenant.onboarded"),
    TENANT_OFFBOARDED("tenant.offboarded"),
    /** A call to a service's API refused: no or a bad token (401), a role or tenant it does not hold (403), over a rate limit (429). */
    API_REFUSED("api.refused"),
    /** An agent event whose signature does not match the server's enrolled key (or a server not enrolled): not acted on. */
    AGENT_EVENT_REFUSED("agent-event.refused"),

    DECISION_APPLY("decision.apply"),
    DECISION_REMOVE("decision.remove"),
    DECISION_IN_FORCE("decision.in-force"),
    DECISION_NOT_NEEDED("decision.not-needed"),
    DECISION_BLOCKED("decision.blocked"),
    DECISION_DISABLED("decision.disabled"),
    DECISION_AWAITING_APPROVAL("decision.awaiting-approval"),
    DECISION_REJECTED("decision.rejected"),
    DECISION_DEFERRED("decision.deferred"),
    DECISION_HALTED("decision.halted"),

    AGENT_APPLIED("agent.applied"),
    AGENT_REMOVED("agent.removed"),
    AGENT_FAILED("agent.failed"),
    AGENT_SKIPPED("agent.skipped"),
    AGENT_DRIFT("agent.drift"),
    AGENT_INVENTORY("agent.inventory"),
    AGENT_HEARTBEAT("agent.heartbeat"),

    /**
     * A mitigation's rules refused requests on a server (or would have, log-only): recorded by the audit service each
     * time a heartbeat's cumulative counts grew, as evidence an MSP can send its customer.
     */
    AGENT_BLOCKED("agent.blocked"),

    EXPOSURE_OVERDUE("exposure.overdue"),

    /**
     * A server that keeps reporting (heartbeats) has not carried out a command sent to it long ago: its agent is alive
     * but not executing (a hung backend, a stalled consumer). Recorded once per command by the audit service.
     */
    COMMAND_STUCK("command.stuck"),

    /** The audit service's signature over a tenant's chain head, recorded and published (CloudEvents, webhooks) on a schedule. */
    CHAIN_HEAD_SIGNED("chain.head-signed");

    private static final Map<String, AuditType> BY_WIRE_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(AuditType::wireName, Function.identity()));

    private final String wireName;

    AuditType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Empty for a name this release does not know (written by a newer one): kept as evidence, not interpreted. */
    public static Optional<AuditType> fromWire(String wireName) {
        return Optional.ofNullable(BY_WIRE_NAME.get(wireName));
    }

    public boolean isDecision() {
        return wireName.startsWith("decision.");
    }

    @Override
    public String toString() {
        return wireName;
    }
}
