package io.tourniquet.feedtrust;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EocsMappingTest {

    @Test
    void knownIdsBecomeOurDefinitionsAndUnknownOnesAreQuarantined() {
        var catalog = BundledCatalog.parse(1 << 20).definitions();
        var mapped = EocsMapping.map(List.of(
                new EocsVerifier.EocsConfig("PING1", "heartbeat", List.of("DoNothing")),
                new EocsVerifier.EocsConfig("M1.1", "url rewrite", List.of("IISUrlRewrite")),
                new EocsVerifier.EocsConfig("M9", "something new", List.of("RunScript"))), catalog);

        assertThat(mapped.definitions()).extracting(d -> d.getId()).containsExactly("PING1", "M1.1");
        assertThat(mapped.definitions().get(1).getActions()).hasSize(1); // our declarative rule, not Microsoft's action text
        assertThat(mapped.quarantined()).containsExactly("M9");
    }
}
