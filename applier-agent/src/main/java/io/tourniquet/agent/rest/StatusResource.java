package io.tourniquet.agent.rest;

import io.tourniquet.agent.domain.HostedServers;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The local view an admin gets with Get-Mitigations.ps1 on an Exchange server. */
@Path("/api/v1/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {

    /** One server's mitigations in force and the last command executed. */
    public record ServerStatus(String serverId, long lastSequence, Map<String, InForce> inForce) {
    }

    /** A mitigation in force, as an admin reads it. */
    public record InForce(int revision, String digest, String commandId) {
    }

    @Inject
    HostedServers servers;

    @GET
    @Operation(summary = "Mitigations in force on each server of this agent")
    public List<ServerStatus> status() {
        return servers.all().stream()
                .map(a -> new ServerStatus(a.serverId(), a.state().lastSequence, a.state().inForce.entrySet().stream()
                        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
                                e -> new InForce(e.getValue().revision(), e.getValue().digest(), e.getValue().commandId()),
                                (x, y) -> x, java.util.TreeMap::new))))
                .sorted(java.util.Comparator.comparing(ServerStatus::serverId))
                .toList();
    }
}
