package io.tourniquet.policy.service;

import org.apache.avro.AvroRuntimeException;
import io.tourniquet.schemas.MaintenanceWindow;
import io.tourniquet.schemas.PolicyRules;
import io.tourniquet.schemas.RolloutPolicy;
import io.tourniquet.schemas.TenantPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A tenant policy as the REST API reads and writes it (JSON); null fields take the defaults of a new tenant. */
public record PolicyDocument(Boolean mitigationsEnabled, List<String> blockedMitigations, Boolean approvalRequired, Boolean shadowMode,
        Boolean driftReportOnly, List<Window> maintenanceWindows, Boolean emergencyBypassesWindow, Rollout rollout,
        Integer mitigationLifetimeDays, Map<String, Rules> groups, Map<String, Rules> tags, Map<String, Rules> servers,
        String updatedBy, Instant updatedAt, List<String> allowedWindowsChanges) {

    /** When changes may be made: days (MONDAY..SUNDAY, none: every day), HH:mm to HH:mm, IANA time zone. */
    public record Window(List<String> days, String start, String end, String timeZone) {
    }

    /** Staged rollout: canary-tagged servers, then each percentage; halts past the failure threshold (0..1). */
    public record Rollout(String canaryTag, List<Integer> stagePercents, Double failureThreshold, Boolean manualStart) {
    }

    /** Rules for a group, a tag or a server; null fields leave the tenant's. */
    public record Rules(Boolean mitigationsEnabled, List<String> blockedMitigations, Boolean approvalRequired, Boolean shadowMode,
            Boolean driftReportOnly, List<Window> maintenanceWindows) {
    }

    /** A new tenant's policy: every mitigation applied at once, as the Exchange EM service does. */
    public static final PolicyDocument DEFAULTS = new PolicyDocument(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    public PolicyDocument withMitigationsEnabled(boolean enabled) {
        return new PolicyDocument(enabled, blockedMitigations, approvalRequired, shadowMode, driftReportOnly, maintenanceWindows,
                emergencyBypassesWindow, rollout, mitigationLifetimeDays, groups, tags, servers, updatedBy, updatedAt, allowedWindowsChanges);
    }

    public PolicyDocument withBlockedMitigations(List<String> blocked) {
        return new PolicyDocument(mitigationsEnabled, blocked, approvalRequired, shadowMode, driftReportOnly, maintenanceWindows,
                emergencyBypassesWindow, rollout, mitigationLifetimeDays, groups, tags, servers, updatedBy, updatedAt, allowedWindowsChanges);
    }

    public static PolicyDocument of(TenantPolicy p) {
        return new PolicyDocument(p.getMitigationsEnabled(), p.getBlockedMitigations(), p.getApprovalRequired(), p.getShadowMode(),
                p.getDriftReportOnly(), windows(p.getMaintenanceWindows()), p.getEmergencyBypassesWindow(),
                p.getRollout() == null ? null : new Rollout(p.getRollout().getCanaryTag(), p.getRollout().getStagePercents(),
                        p.getRollout().getFailureThreshold(), p.getRollout().getManualStart()),
                p.getMitigationLifetimeDays(), rules(p.getGroups()), rules(p.getTags()), rules(p.getServers()), p.getUpdatedBy(), p.getUpdatedAt(),
                p.getAllowedWindowsChanges());
    }

    public TenantPolicy toPolicy(String tenantId, String by, Instant at) {
        if (by == null || by.isBlank()) {
            throw new IllegalArgumentException("who decides is required ('by', or 'updatedBy' in a policy document)");
        }
        try {
            return build(tenantId, by, at);
        } catch (AvroRuntimeException e) {
            throw new IllegalArgumentException("incomplete policy document: " + e.getMessage());
        }
    }

    private TenantPolicy build(String tenantId, String by, Instant at) {
        return TenantPolicy.newBuilder()
                .setTenantId(tenantId)
                .setMitigationsEnabled(mitigationsEnabled == null || mitigationsEnabled)
                .setBlockedMitigations(blockedMitigations == null ? List.of() : List.copyOf(blockedMitigations))
                .setApprovalRequired(approvalRequired != null && approvalRequired)
                .setShadowMode(shadowMode != null && shadowMode)
                .setDriftReportOnly(driftReportOnly != null && driftReportOnly)
                .setMaintenanceWindows(avroWindows(maintenanceWindows == null ? List.of() : maintenanceWindows))
                .setEmergencyBypassesWindow(emergencyBypassesWindow == null || emergencyBypassesWindow)
                .setRollout(rollout == null ? null : new RolloutPolicy(rollout.canaryTag() == null ? "canary" : rollout.canaryTag(),
                        rollout.stagePercents() == null ? List.of(50, 100) : rollout.stagePercents(),
                        rollout.failureThreshold() == null ? 0.1 : rollout.failureThreshold(), rollout.manualStart() != null && rollout.manualStart()))
                .setMitigationLifetimeDays(mitigationLifetimeDays)
                .setGroups(avroRules(groups))
                .setTags(avroRules(tags))
                .setServers(avroRules(servers))
                .setAllowedWindowsChanges(allowedWindowsChanges == null ? List.of() : List.copyOf(allowedWindowsChanges))
                .setUpdatedBy(by)
                .setUpdatedAt(at)
                .build();
    }

    private static List<Window> windows(List<MaintenanceWindow> windows) {
        return windows == null ? null : windows.stream().map(w -> new Window(w.getDays(), w.getStart(), w.getEnd(), w.getTimeZone())).toList();
    }

    private static List<MaintenanceWindow> avroWindows(List<Window> windows) {
        return windows.stream().map(w -> new MaintenanceWindow(w.days() == null ? List.of() : w.days(), w.start(), w.end(), w.timeZone())).toList();
    }

    private static Map<String, Rules> rules(Map<String, PolicyRules> rules) {
        Map<String, Rules> out = new TreeMap<>();
        rules.forEach((k, r) -> out.put(k, new Rules(r.getMitigationsEnabled(), r.getBlockedMitigations(), r.getApprovalRequired(),
                r.getShadowMode(), r.getDriftReportOnly(), windows(r.getMaintenanceWindows()))));
        return out;
    }

    private static Map<String, PolicyRules> avroRules(Map<String, Rules> rules) {
        Map<String, PolicyRules> out = new TreeMap<>();
        if (rules != null) {
            rules.forEach((k, r) -> out.put(k, new PolicyRules(r.mitigationsEnabled(), r.blockedMitigations(), r.approvalRequired(),
                    r.shadowMode(), r.driftReportOnly(), r.maintenanceWindows() == null ? null : avroWindows(r.maintenanceWindows()))));
        }
        return out;
    }
}
