package io.tourniquet.feedtrust;

import io.tourniquet.schemas.MitigationDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Maps the config ids of Microsoft's feed to our declarative definitions. Microsoft's actions are never executed as
 * written: only a definition of ours with the same id is published; an id we have none for is quarantined.
 */
public final class EocsMapping {

    /** Definitions to publish, and config ids to quarantine (record, never apply). */
    public record Mapped(List<MitigationDefinition> definitions, List<String> quarantined) {
    }

    private EocsMapping() {
    }

    public static Mapped map(List<EocsVerifier.EocsConfig> configs, List<MitigationDefinition> catalog) {
        Map<String, MitigationDefinition> known = catalog.stream().collect(Collectors.toMap(MitigationDefinition::getId, Function.identity()));
        List<MitigationDefinition> definitions = new ArrayList<>();
        List<String> quarantined = new ArrayList<>();
        for (EocsVerifier.EocsConfig config : configs) {
            MitigationDefinition definition = known.get(config.id());
            if (definition == null) {
                quarantined.add(config.id());
            } else {
                definitions.add(definition);
            }
        }
        return new Mapped(definitions, quarantined);
    }
}
