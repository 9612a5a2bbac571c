package io.tourniquet.audit.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.CommandRef;
import io.tourniquet.schemas.HealthProbe;
import io.tourniquet.schemas.HealthStatus;
import io.tourniquet.schemas.HealthVerdict;
import io.tourniquet.schemas.MitigationApplied;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventMapperTest {

    private static MitigationApplied applied(HealthVerdict health) {
        return MitigationApplied.newBuilder().setEventId("e1").setTenantId("acme").setServerId("exch01")
                .setCommand(new CommandRef("c1", 1L, "M2.1", 1, "d")).setEvidence(new ChangeEvidence("iis", List.of("rule added"), "a", "b", "re-read"))
                .setHealth(health).setAppliedAt(Instant.parse("2026-12-04T10:00:00Z")).build();
    }

    @Test
    void anApplyThatBrokeAProbeIsStoredAppliedWithTheRegressionAsItsReason() {
        String summary = "probe ecp (https://exch01/ecp/): 302 before, 500 after";
        StoredEvent stored = EventMapper.map(applied(new HealthVerdict(HealthStatus.REGRESSED,
                List.of(new HealthProbe("ecp", "https://exch01/ecp/", "302", "500", true)), summary)), "tourniquet.agent-events.acme");
        assertThat(stored.outcome()).isEqualTo("applied");
        assertThat(stored.stateChange()).as("in force: the agent does not undo it").isEqualTo("APPLIED");
        assertThat(stored.reason()).isEqualTo("health regressed after applying: " + summary);
    }

    @Test
    void aHealthyOrUnprobedApplyHasNoReason() {
        assertThat(EventMapper.map(applied(new HealthVerdict(HealthStatus.HEALTHY, List.of(), "every probe answers")), "t").reason()).isNull();
        assertThat(EventMapper.map(applied(null), "t").reason()).isNull();
    }
}
