package io.tourniquet.agent.backend;

import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.MitigationDefinition;
import java.util.Map;

/** Where mitigations take effect. Each backend executes only the closed action vocabulary of the definition. */
public interface Backend {

    String name();

    /** Puts every action of the definition in force, checks it, and says what changed. */
    ChangeEvidence apply(MitigationDefinition definition) throws BackendException;

    /** Applies the inverse of every action of the definition. */
    ChangeEvidence remove(MitigationDefinition definition) throws BackendException;

    /** Whether every action of the definition is in force right now (re-read, not remembered): drift detection. */
    boolean inForce(MitigationDefinition definition);

    /** Prerequisites and their versions, reported with the inventory (e.g. iis-url-rewrite). */
    Map<String, String> prerequisites();
}
