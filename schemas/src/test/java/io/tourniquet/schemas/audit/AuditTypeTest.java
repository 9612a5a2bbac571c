package io.tourniquet.schemas.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AuditTypeTest {

    @Test
    void everyTypeReadsBackFromItsWireName() {
        assertThat(Arrays.stream(AuditType.values()).map(t -> AuditType.fromWire(t.wireName()).orElseThrow())).containsExactly(AuditType.values());
    }

    @Test
    void aNameOfANewerReleaseIsNotGuessed() {
        assertThat(AuditType.fromWire("decision.something-new")).isEmpty();
        assertThat(AuditType.fromWire("DECISION_APPLY")).as("the constant's name is not its wire name").isEmpty();
    }

    @Test
    void theRecordCarriesTheWireName() {
        var record = AuditEvents.builder("policy-service", AuditType.DECISION_APPLY, "commanded", "policy-service").build();
        assertThat(record.getType()).isEqualTo("decision.apply");
    }
}
