package io.tourniquet.policy.domain;

import io.tourniquet.schemas.MaintenanceWindow;
import io.tourniquet.schemas.PolicyRules;
import io.tourniquet.schemas.RolloutPolicy;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.TenantPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules that apply to one server: the tenant's, overridden by those of its tags (in name order), then of its
 * group, then of the server itself — the most specific wins, field by field.
 */
public record EffectiveRules(boolean mitigationsEnabled, Set<String> blocked, boolean approvalRequired, boolean shadowMode,
        boolean driftReportOnly, List<MaintenanceWindow> windows, boolean emergencyBypassesWindow, RolloutPolicy rollout,
        Integer lifetimeDays, String source, Set<String> allowedWindowsChanges) {

    /** No policy set for the tenant: apply every mitigation at once, as the Exchange EM service does by default. */
    public static final EffectiveRules DEFAULT = new EffectiveRules(true, Set.of(), false, false, false, List.of(), true, null, null, "default policy", Set.of());

    public static EffectiveRules of(TenantPolicy policy, ServerInventory server) {
        if (policy == null) {
            return DEFAULT;
        }
        boolean enabled = policy.getMitigationsEnabled();
        Set<String> blocked = new TreeSet<>(policy.getBlockedMitigations());
        boolean approval = policy.getApprovalRequired();
        boolean shadow = policy.getShadowMode();
        boolean drift = policy.getDriftReportOnly();
        List<MaintenanceWindow> windows = policy.getMaintenanceWindows();
        List<String> sources = new ArrayList<>(List.of("tenant policy"));
        List<PolicyRules> overrides = new ArrayList<>();
        for (String tag : new TreeSet<>(server.getTags())) {
            PolicyRules rules = policy.getTags().get(tag);
            if (rules != null) {
                overrides.add(rules);
                sources.add("tag " + tag);
            }
        }
        if (server.getServerGroup() != null && policy.getGroups().containsKey(server.getServerGroup())) {
            overrides.add(policy.getGroups().get(server.getServerGroup()));
            sources.add("group " + server.getServerGroup());
        }
        if (policy.getServers().containsKey(server.getServerId())) {
            overrides.add(policy.getServers().get(server.getServerId()));
            sources.add("server " + server.getServerId());
        }
        for (PolicyRules rules : overrides) {
            enabled = rules.getMitigationsEnabled() != null ? rules.getMitigationsEnabled() : enabled;
            blocked = rules.getBlockedMitigations() != null ? new TreeSet<>(rules.getBlockedMitigations()) : blocked;
            approval = rules.getApprovalRequired() != null ? rules.getApprovalRequired() : approval;
            shadow = rules.getShadowMode() != null ? rules.getShadowMode() : shadow;
            drift = rules.getDriftReportOnly() != null ? rules.getDriftReportOnly() : drift;
            windows = rules.getMaintenanceWindows() != null ? rules.getMaintenanceWindows() : windows;
        }
        return new EffectiveRules(enabled, Set.copyOf(blocked), approval, shadow, drift, List.copyOf(windows),
                policy.getEmergencyBypassesWindow(), policy.getRollout(), policy.getMitigationLifetimeDays(), String.join(" > ", sources),
                Set.copyOf(policy.getAllowedWindowsChanges()));
    }
}
