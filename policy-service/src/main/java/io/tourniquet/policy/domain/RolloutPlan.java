package io.tourniquet.policy.domain;

import io.tourniquet.schemas.RolloutPolicy;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.crypto.Digests;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which stage of a tenant's rollout of one mitigation each server belongs to. Stage 0: the canaries (servers with
 * the canary tag, or the first server in rollout order when none has it). Stage i: the first p_i % of the other
 * servers in rollout order, an order drawn from the server and mitigation ids so that it is stable across restarts
 * and differs between mitigations (the same servers are not always first).
 */
public final class RolloutPlan {

    private final Map<String, Integer> stageOf = new HashMap<>();
    private final int lastStage;

    public RolloutPlan(RolloutPolicy policy, String mitigationId, Collection<ServerInventory> servers) {
        List<ServerInventory> canaries = servers.stream().filter(s -> s.getTags().contains(policy.getCanaryTag())).toList();
        List<ServerInventory> ordered = servers.stream()
                .sorted(Comparator.comparing((ServerInventory s) -> rank(mitigationId, s.getServerId())).thenComparing(ServerInventory::getServerId))
                .toList();
        if (canaries.isEmpty() && !ordered.isEmpty()) {
            canaries = List.of(ordered.get(0));
        }
        canaries.forEach(c -> stageOf.put(c.getServerId(), 0));
        List<ServerInventory> rest = ordered.stream().filter(s -> !stageOf.containsKey(s.getServerId())).toList();
        List<Integer> percents = policy.getStagePercents().isEmpty() ? List.of(100) : policy.getStagePercents();
        int position = 0;
        for (int stage = 1; stage <= percents.size(); stage++) {
            int percent = stage == percents.size() ? 100 : Math.min(100, percents.get(stage - 1));
            int upTo = (int) Math.ceil(rest.size() * percent / 100.0);
            for (; position < upTo; position++) {
                stageOf.put(rest.get(position).getServerId(), stage);
            }
        }
        this.lastStage = percents.size();
    }

    public int stageOf(String serverId) {
        return stageOf.getOrDefault(serverId, lastStage);
    }

    public int lastStage() {
        return lastStage;
    }

    private static String rank(String mitigationId, String serverId) {
        return Digests.sha256((mitigationId + "/" + serverId).getBytes(StandardCharsets.UTF_8));
    }
}
