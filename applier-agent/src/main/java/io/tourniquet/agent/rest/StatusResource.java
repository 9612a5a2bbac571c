package io.tourniquet.agent.rest;

import io.tourniquet.agent.domain.AgentState;
import io.tourniquet.agent.domain.HostedServers;
import io.tourniquet.agent.domain.LocalControl;
import io.tourniquet.agent.service.LocalControlService;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The local view an admin gets with Get-Mitigations.ps1 on an Exchange server. */
@Path("/api/v1/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {

    /** What this agent does on its servers, and what the local admin holds back. */
    public record AgentStatus(LocalControl localControl, List<ServerStatus> servers) {
    }

    /** One server's mitigations in force, those held back by local control, and the last command executed. */
    public record ServerStatus(String serverId, long lastSequence, Map<String, InForce> inForce, Map<String, Held> held) {
    }

    /** A mitigation in force, as an admin reads it. */
    public record InForce(int revision, String digest, String commandId, boolean driftReportOnly, boolean shadow) {
    }

    /** A verified command local control keeps from being carried out. */
    public record Held(String action, String commandId, long sequence) {
    }

    @Inject
    HostedServers servers;

    @Inject
    LocalControlService localControl;

    @GET
    @Operation(summary = "Local control, and the mitigations in force or held back on each server of this agent")
    public AgentStatus status() {
        return new AgentStatus(localControl.current(), servers.all().stream()
                .map(a -> status(a.serverId(), a.state()))
                .sorted(Comparator.comparing(ServerStatus::serverId))
                .toList());
    }

    private static ServerStatus status(String serverId, AgentState state) {
        return new ServerStatus(serverId, state.lastSequence,
                state.inForce.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                        e -> new InForce(e.getValue().revision(), e.getValue().digest(), e.getValue().commandId(), e.getValue().driftReportOnly(), e.getValue().shadow()),
                        (x, y) -> x, TreeMap::new)),
                state.held.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                        e -> new Held(e.getValue().apply() ? "apply" : "remove", e.getValue().commandId(), e.getValue().sequence()),
                        (x, y) -> x, TreeMap::new)));
    }
}
