package io.tourniquet.bench;

import io.tourniquet.devstack.AgentEnrolmentClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** A real applier-agent process in the simulated fleet: enrolled through the policy API, configured as ./tourniquet up configures one. */
final class RealAgent {

    private RealAgent() {
    }

    /** Enrols the server (its key made in {@code state}) with the policy service, as an MSP administrator does. */
    static void enrol(String policyUrl, String tenant, String server, Path state, String token) throws Exception {
        var enrolled = AgentEnrolmentClient.enrol(policyUrl, tenant, server, state, token, false, Duration.ofSeconds(60));
        if (!enrolled.enrolled()) {
            throw new IllegalStateException("cannot enrol the real agent " + tenant + "/" + server + ": HTTP " + enrolled.status() + " " + enrolled.body());
        }
    }

    /** The agent's configuration for one server (simulated backend), trusting the stack's keys in {@code keys}. */
    static Map<String, String> config(String tenant, String server, Path keys, Path state) {
        return Map.of(
                "tourniquet.agent.tenant", tenant,
                "tourniquet.agent.servers", server,
                "tourniquet.agent.policy-public-key-files", keys.resolve("policy-signing.pub").toString(),
                "tourniquet.agent.publisher-public-key-files", keys.resolve("feed-publisher.pub").toString(),
                "tourniquet.agent.state-dir", state.toString());
    }
}
