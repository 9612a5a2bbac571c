package io.tourniquet.agent.domain;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one server's agent must not forget across a crash: the last command executed, what is in force, the command
 * whose execution had started (so that a crash between the change and the report neither repeats nor loses it), what
 * local control holds back, and the result of the last command (re-sent as it was if the crash came before the report).
 */
public class AgentState {

    /** A mitigation in force (or, shadow, deployed log-only) on this server, with its definition (single-object encoding) to re-check and re-apply it. */
    public record InForce(int revision, String digest, String commandId, long sequence, boolean driftReportOnly, boolean shadow, byte[] definition) {
    }

    /**
     * A verified command that local control (a blocked mitigation, observe-only) keeps from being carried out;
     * carried out when control allows it again, since it is what the policy wants on this server.
     */
    public record Held(boolean apply, String commandId, long sequence, String digest, boolean driftReportOnly, boolean shadow, byte[] definition) {
    }

    public long lastSequence;
    public Map<String, InForce> inForce = new TreeMap<>();
    public Map<String, Held> held = new TreeMap<>();
    /** Command id whose change was started and not yet recorded as done. */
    public String executing;
    public String lastResultCommandId;
    /** Avro single-object encoding of the last result event. */
    public byte[] lastResult;
}
