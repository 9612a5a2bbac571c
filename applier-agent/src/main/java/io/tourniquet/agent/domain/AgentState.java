package io.tourniquet.agent.domain;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one server's agent must not forget across a crash: the last command executed, what is in force, and the
 * result of the last command (re-sent as it was if the crash came before it was reported).
 */
public class AgentState {

    /** A mitigation in force on this server, with its definition (single-object encoding) to re-check and re-apply it. */
    public record InForce(int revision, String digest, String commandId, byte[] definition) {
    }

    public long lastSequence;
    public Map<String, InForce> inForce = new TreeMap<>();
    public String lastResultCommandId;
    /** Avro single-object encoding of the last result event. */
    public byte[] lastResult;
}
