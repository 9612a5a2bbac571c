package io.tourniquet.audit.domain;

import io.tourniquet.schemas.audit.AuditType;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * One server's exposure to what one mitigation addresses, replayed from its events: exposed from the mitigation's
 * publication until the agent reported it applied, exposed again if it was removed for any reason but a patch, and
 * no longer exposed once the server was found patched. What is still exposed says why (the last decision or result).
 */
public final class ExposureTimeline {

    /** An event of the server for the mitigation, as stored. */
    public record Step(Instant at, String type, String outcome, String reason) {
    }

    /**
     * @param exposed    total time exposed up to {@code asOf} (or to the patch)
     * @param status     mitigated, patched, or why it is still exposed: failed, blocked, awaiting-approval, deferred, halted...
     */
    public record Result(Instant publishedAt, Instant mitigatedAt, Instant patchedAt, Duration exposed, boolean stillExposed, String status,
            String why) {
    }

    private ExposureTimeline() {
    }

    public static Result replay(Instant publishedAt, List<Step> steps, Instant asOf) {
        List<Step> ordered = steps.stream().sorted(Comparator.comparing(Step::at)).toList();
        boolean protectedNow = false;
        boolean patched = false;
        Instant exposedSince = publishedAt;
        Duration exposed = Duration.ZERO;
        Instant mitigatedAt = null;
        Instant patchedAt = null;
        String status = "commanded";
        String why = "commanded; no result from the agent yet";
        for (Step step : ordered) {
            if (patched) {
                break;
            }
            AuditType type = AuditType.fromWire(step.type()).orElse(null);
            if (type == AuditType.AGENT_APPLIED) {
                if (!protectedNow) {
                    exposed = exposed.plus(between(exposedSince, step.at()));
                    protectedNow = true;
                    mitigatedAt = mitigatedAt == null ? step.at() : mitigatedAt;
                    status = "mitigated";
                    why = "";
                }
            } else if (type == AuditType.AGENT_DRIFT) {
                if (protectedNow && step.outcome().equals("reported")) {
                    protectedNow = false;
                    exposedSince = step.at();
                    status = "drifted";
                    why = "drift reported and not corrected: " + step.reason();
                }
            } else if (type == AuditType.AGENT_BLOCKED) {
                continue; // evidence that the mitigation works; exposure does not change
            } else if (type == AuditType.AGENT_REMOVED) {
                if (protectedNow) {
                    protectedNow = false;
                    exposedSince = step.at();
                    status = "removed";
                }
            } else if (type == AuditType.DECISION_REMOVE) {
                if (step.reason() != null && step.reason().startsWith("server not affected")) {
                    if (!protectedNow) {
                        exposed = exposed.plus(between(exposedSince, step.at()));
                    }
                    patched = true;
                    patchedAt = step.at();
                    status = "patched";
                    why = step.reason();
                } else {
                    why = "removal commanded: " + step.reason();
                }
            } else {
                if (!protectedNow && type != AuditType.DECISION_APPLY) {
                    status = step.type().replace("decision.", "").replace("agent.", "");
                    why = step.reason() == null ? step.outcome() : step.reason();
                } else if (!protectedNow) {
                    status = "commanded";
                    why = "commanded; no result from the agent yet";
                }
            }
        }
        boolean still = !protectedNow && !patched;
        if (still) {
            exposed = exposed.plus(between(exposedSince, asOf));
        }
        return new Result(publishedAt, mitigatedAt, patchedAt, exposed, still, status, still ? why : (patched ? why : ""));
    }

    private static Duration between(Instant from, Instant to) {
        return to.isAfter(from) ? Duration.between(from, to) : Duration.ZERO;
    }
}
