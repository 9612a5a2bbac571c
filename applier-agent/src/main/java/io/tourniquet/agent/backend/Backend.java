package io.tourniquet.agent.backend;

import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.actions.ActionType;
import java.util.Map;

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
        throw new BackendException("the " + name() + " backend cannot deploy " + definition.getId() + " log-only (shadow mode)",
                "not-needed: nothing was changed");
    }

    /** Applies the inverse of every action of the definition (also takes a shadow deployment out). */
    ChangeEvidence remove(MitigationDefinition definition) throws BackendException;

    /** Whether every action of the definition is in force right now (re-read, not remembered): drift detection. */
    boolean inForce(MitigationDefinition definition);

    /** The build and updates as read from the server now, for the inventory; what cannot be read is said so. */
    ServerFacts facts();

    /** Prerequisites and their versions, reported with the inventory (e.g. iis-url-rewrite). */
    Map<String, String> prerequisites();
}
