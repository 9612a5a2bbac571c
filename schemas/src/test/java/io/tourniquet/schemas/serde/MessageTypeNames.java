package io.tourniquet.schemas.serde;

import java.util.Set;

/** The top-level message types of release v1: data of these types exists on topics and must stay readable. */
final class MessageTypeNames {

    static final Set<String> TOP_LEVEL_V1 = Set.of(
            "io.tourniquet.schemas.MitigationPublished", "io.tourniquet.schemas.MitigationWithdrawn",
            "io.tourniquet.schemas.MitigationDefinition", "io.tourniquet.schemas.TenantPolicy",
            "io.tourniquet.schemas.ServerInventory", "io.tourniquet.schemas.AgentHeartbeat",
            "io.tourniquet.schemas.ApplyCommand", "io.tourniquet.schemas.RemoveCommand",
            "io.tourniquet.schemas.SignedCommand", "io.tourniquet.schemas.MitigationApplied",
            "io.tourniquet.schemas.MitigationFailed", "io.tourniquet.schemas.MitigationRemoved",
            "io.tourniquet.schemas.MitigationSkipped", "io.tourniquet.schemas.DriftDetected",
            "io.tourniquet.schemas.AuditRecord");

    private MessageTypeNames() {
    }
}
