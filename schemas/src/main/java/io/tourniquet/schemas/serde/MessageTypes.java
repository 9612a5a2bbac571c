package io.tourniquet.schemas.serde;

import io.tourniquet.schemas.Approval;
import io.tourniquet.schemas.MitigationKillSwitch;
import io.tourniquet.schemas.RolloutControl;
import io.tourniquet.schemas.ServerOverride;
import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.AgentHeartbeat;
import io.tourniquet.schemas.ApplyCommand;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.DriftDetected;
import io.tourniquet.schemas.FeedVersionAccepted;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.MitigationFailed;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationRemoved;
import io.tourniquet.schemas.MitigationSkipped;
import io.tourniquet.schemas.MitigationWithdrawn;
import io.tourniquet.schemas.RemoveCommand;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.TenantPolicy;
import io.tourniquet.schemas.policy.CommandedState;
import io.tourniquet.schemas.policy.DecisionState;
import io.tourniquet.schemas.policy.RolloutProgress;
import io.tourniquet.schemas.policy.ServerResult;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;

/** Every record type that is written on its own (as a Kafka value, a state store value or a signed payload). */
public final class MessageTypes {

    public static final List<Class<? extends SpecificRecordBase>> ALL = List.of(
            MitigationPublished.class,
            MitigationWithdrawn.class,
            MitigationDefinition.class,
            TenantPolicy.class,
            Approval.class,
            RolloutControl.class,
            MitigationKillSwitch.class,
            ServerOverride.class,
            ServerInventory.class,
            AgentHeartbeat.class,
            ApplyCommand.class,
            RemoveCommand.class,
            SignedCommand.class,
            MitigationApplied.class,
            MitigationFailed.class,
            MitigationRemoved.class,
            MitigationSkipped.class,
            DriftDetected.class,
            AuditRecord.class,
            FeedVersionAccepted.class,
            AgentEnrolment.class,
            // the policy service's changelogged state
            CommandedState.class,
            DecisionState.class,
            ServerResult.class,
            RolloutProgress.class);

    private MessageTypes() {
    }
}
