package io.tourniquet.console.domain;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One tenant's servers and mitigations, grouped from the audit service's state rows for the tenant page. */
public final class TenantView {

    /** A mitigation on a server: its state, why, and since when. */
    public record ServerState(String server, String mitigation, String state, String detail, String updatedAt) {

        public boolean failed() {
            return state.equals("FAILED") || state.equals("DRIFTED");
        }
    }

    /** A mitigation across the tenant's servers. */
    public record MitigationLine(String mitigation, StateCounts counts) {
    }

    private final Map<String, List<ServerState>> servers = new TreeMap<>();
    private final Map<String, StateCounts> mitigations = new TreeMap<>();

    private TenantView() {
    }

    public static TenantView of(JsonNode states) {
        TenantView view = new TenantView();
        for (JsonNode row : states) {
            ServerState state = new ServerState(row.path("serverId").asText(), row.path("mitigationId").asText(), row.path("state").asText(),
                    row.path("detail").asText(""), row.path("updatedAt").asText(""));
            view.servers.computeIfAbsent(state.server(), s -> new ArrayList<>()).add(state);
            view.mitigations.merge(state.mitigation(), StateCounts.NONE.plus(state.state(), 1), StateCounts::plus);
        }
        return view;
    }

    public Map<String, List<ServerState>> servers() {
        return servers;
    }

    public List<MitigationLine> mitigations() {
        return mitigations.entrySet().stream().map(e -> new MitigationLine(e.getKey(), e.getValue())).toList();
    }

    /** Mitigations some of whose servers wait for an approval. */
    public List<MitigationLine> awaitingApproval() {
        return mitigations().stream().filter(m -> m.counts().awaitingApproval() > 0).toList();
    }

    public List<ServerState> failures() {
        return servers.values().stream().flatMap(List::stream).filter(ServerState::failed).toList();
    }
}
