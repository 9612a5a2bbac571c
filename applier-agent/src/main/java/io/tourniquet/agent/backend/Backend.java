package io.tourniquet.agent.backend;

import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.EnforcementCount;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.actions.ActionType;
import io.tourniquet.schemas.actions.Refusals;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Where mitigations take effect. Each backend executes only the closed action vocabulary of the definition. */
public interface Backend {

    String name();

    /**
     * Whether this backend carries out an action type. Implementations decide in an exhaustive switch, so that a new
     * type of the vocabulary does not compile until every backend has decided about it.
     */
    ActionSupport support(ActionType type);

    /** Refuses, before any change, a definition holding an action this backend does not carry out. */
    default void requireSupported(MitigationDefinition definition) throws BackendException {
        for (Object action : definition.getActions()) {
            ActionType type = ActionType.of(action);
            ActionSupport support = support(type);
            if (!support.supported()) {
                throw new BackendException("the " + name() + " backend does not carry out " + type + " (in " + definition.getId() + "): "
                        + support.reason(), "not-needed: nothing was changed");
            }
        }
    }

    /** Puts every action of the definition in force, checks it, and says what changed. */
    ChangeEvidence apply(MitigationDefinition definition) throws BackendException;

    /**
     * Shadow mode: deploys the definition log-only — requests it would block are logged and counted, nothing is
     * blocked or changed. A backend that cannot do that refuses, before any change.
     */
    default ChangeEvidence applyShadow(MitigationDefinition definition) throws BackendException {
        throw new BackendException("the " + name() + " backend cannot deploy " + definition.getId() + " log-only (shadow mode): "
                + shadowMode().reason(), "not-needed: nothing was changed");
    }

    /** Whether this backend can deploy definitions log-only; one that can overrides {@link #applyShadow} too. */
    default ActionSupport shadowMode() {
        return ActionSupport.refused("the " + name() + " backend has no log-only deployment");
    }

    /**
     * Every action type this backend refuses, and shadow mode when it does, each with why: reported with the
     * inventory ({@link Refusals}) so that the policy never sends what the backend would refuse.
     */
    default Map<String, String> refusals() {
        Map<String, String> refusals = new TreeMap<>();
        for (ActionType type : ActionType.values()) {
            ActionSupport support = support(type);
            if (!support.supported()) {
                refusals.put(type.name(), support.reason());
            }
        }
        if (!shadowMode().supported()) {
            refusals.put(Refusals.SHADOW_MODE, shadowMode().reason());
        }
        return refusals;
    }

    /** Applies the inverse of every action of the definition (also takes a shadow deployment out). */
    ChangeEvidence remove(MitigationDefinition definition) throws BackendException;

    /** Whether every action of the definition is in force right now (re-read, not remembered): drift detection. */
    boolean inForce(MitigationDefinition definition);

    /** The build and updates as read from the server now, for the inventory; what cannot be read is said so. */
    ServerFacts facts();

    /**
     * Per mitigation, the requests its rules refused (or would have, log-only) since it went in, as counted by the
     * backend; empty when the backend counts nothing (then said in {@link #facts()}'s unreadable).
     */
    default List<EnforcementCount> enforcementCounts() {
        return List.of();
    }

    /** Prerequisites and their versions, reported with the inventory (e.g. iis-url-rewrite). */
    Map<String, String> prerequisites();
}
