package io.tourniquet.schemas.actions;

import io.tourniquet.schemas.MitigationDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a server's backend refuses to carry out, as its agent reports it with the inventory
 * ({@code ServerInventory.refusals}): the name of an {@link ActionType}, or {@link #SHADOW_MODE}, each with why. The
 * policy sends a server nothing it refuses.
 */
public final class Refusals {

    /** Deploying a definition log-only: counting what it would block, blocking nothing. */
    public static final String SHADOW_MODE = "SHADOW_MODE";

    private Refusals() {
    }

    /** What of this deployment the server refuses, each as "WHAT: why"; empty when it carries out all of it. */
    public static List<String> of(MitigationDefinition definition, boolean shadowMode, Map<String, String> refusals) {
        List<String> refused = new ArrayList<>();
        for (Object action : definition.getActions()) {
            String type = ActionType.of(action).name();
            if (refusals.containsKey(type) && refused.stream().noneMatch(r -> r.startsWith(type + ":"))) {
                refused.add(type + ": " + refusals.get(type));
            }
        }
        if (shadowMode && refusals.containsKey(SHADOW_MODE)) {
            refused.add(SHADOW_MODE + ": " + refusals.get(SHADOW_MODE));
        }
        return refused;
    }
}
