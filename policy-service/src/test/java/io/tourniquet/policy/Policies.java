package io.tourniquet.policy;

import io.tourniquet.schemas.Approval;
import io.tourniquet.schemas.CommandRef;
import io.tourniquet.schemas.MaintenanceWindow;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationFailed;
import io.tourniquet.schemas.RolloutAction;
import io.tourniquet.schemas.RolloutControl;
import io.tourniquet.schemas.RolloutPolicy;
import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.TenantPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Admin decisions and agent results as the REST API and the agents write them. */
public final class Policies {

    private Policies() {
    }

    /** A tenant policy with every field set (defaults as a new tenant gets them); tests change what they need. */
    public static TenantPolicy.Builder tenant(String tenantId) {
        return TenantPolicy.newBuilder().setTenantId(tenantId).setMitigationsEnabled(true).setBlockedMitigations(List.of())
                .setApprovalRequired(false).setUpdatedBy("msp-admin").setUpdatedAt(Instant.now()).setShadowMode(false)
                .setDriftReportOnly(false).setMaintenanceWindows(List.of()).setEmergencyBypassesWindow(true).setRollout(null)
                .setMitigationLifetimeDays(null).setGroups(Map.of()).setTags(Map.of()).setServers(Map.of());
    }

    public static MaintenanceWindow window(String start, String end, String zone) {
        return new MaintenanceWindow(List.of(), start, end, zone);
    }

    public static RolloutPolicy rollout(List<Integer> percents, double threshold) {
        return new RolloutPolicy("canary", percents, threshold, false);
    }

    public static Approval approval(String tenant, String mitigation, boolean approved, String by, Instant expiresAt) {
        return new Approval(tenant, mitigation, null, approved, by, "change CHG-1234", Instant.now(), expiresAt);
    }

    public static RolloutControl rolloutControl(String tenant, String mitigation, RolloutAction action) {
        return new RolloutControl(tenant, mitigation, action, "msp-admin", Instant.now());
    }

    public static MitigationApplied applied(String tenant, String server, String mitigation) {
        return MitigationApplied.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant).setServerId(server)
                .setCommand(new CommandRef("c", 1L, mitigation, 1, "digest"))
                .setEvidence(ChangeEvidence.newBuilder().setBackend("simulated").setChanges(List.of("x")).setDigestBefore("a")
                        .setDigestAfter("b").setVerification("v").build())
                .setAppliedAt(Instant.now()).build();
    }

    public static MitigationFailed failed(String tenant, String server, String mitigation) {
        return MitigationFailed.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant).setServerId(server)
                .setCommand(new CommandRef("c", 1L, mitigation, 1, "digest")).setError("URL Rewrite module missing").setRollback("not-needed")
                .setFailedAt(Instant.now()).build();
    }
}
