package io.tourniquet.schemas.actions;

import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.DisableAppPool;
import io.tourniquet.schemas.DisableService;
import io.tourniquet.schemas.DisableVirtualDirectory;
import io.tourniquet.schemas.Heartbeat;
import io.tourniquet.schemas.RewriteResponseHeader;
import io.tourniquet.schemas.SetAuthentication;
import org.apache.avro.specific.SpecificRecord;

/**
 * The closed action vocabulary of {@code MitigationDefinition.actions}, one constant per branch of the union.
 * Backends decide about each constant in an exhaustive switch, so a new action does not compile until every backend
 * has said whether it carries it out.
 */
public enum ActionType {
    BLOCK_REQUESTS(BlockRequests.class),
    REWRITE_RESPONSE_HEADER(RewriteResponseHeader.class),
    DISABLE_SERVICE(DisableService.class),
    DISABLE_APP_POOL(DisableAppPool.class),
    DISABLE_VIRTUAL_DIRECTORY(DisableVirtualDirectory.class),
    SET_AUTHENTICATION(SetAuthentication.class),
    HEARTBEAT(Heartbeat.class);

    private final Class<? extends SpecificRecord> recordType;

    ActionType(Class<? extends SpecificRecord> recordType) {
        this.recordType = recordType;
    }

    public Class<? extends SpecificRecord> recordType() {
        return recordType;
    }

    /** The type of one element of a definition's action list. */
    public static ActionType of(Object action) {
        for (ActionType type : values()) {
            if (type.recordType.isInstance(action)) {
                return type;
            }
        }
        throw new IllegalArgumentException((action == null ? "null" : action.getClass().getName()) + " is not an action of the vocabulary");
    }
}
