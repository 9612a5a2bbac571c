package io.tourniquet.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.schemas.AgentHeartbeat;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.EnforcementCount;
import io.tourniquet.schemas.Heartbeat;
import io.tourniquet.schemas.MitigationDefinition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AvroCodecTest {

    private final AvroCodec codec = AvroCodec.get();

    @Test
    void roundTripsAMessageAndTellsTypesApartByFingerprint() {
        AuditRecord audit = AuditRecord.newBuilder()
                .setEventId("e1").setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSource("test").setType("feed.accepted").setOutcome("accepted").setActor("system")
                .setDetails(Map.of("feedVersion", "7")).build();
        MitigationDefinition definition = MitigationDefinition.newBuilder()
                .setId("PING1").setRevision(1).setTitle("heartbeat").setProduct("Exchange")
                .setActions(List.of(Heartbeat.newBuilder().build())).build();

        assertThat(codec.decode(codec.encode(audit))).isEqualTo(audit);
        assertThat(codec.decode(codec.encode(definition))).isEqualTo(definition);
        assertThat(codec.decode(codec.encode(audit), AuditRecord.class)).isEqualTo(audit);
    }

    /** A heartbeat's enforcement counts, with their times, are written and read back. */
    @Test
    void roundTripsAHeartbeatWithItsEnforcementCounts() {
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        AgentHeartbeat heartbeat = AgentHeartbeat.newBuilder().setEventId("h1").setTenantId("t").setServerId("s").setReportedAt(at)
                .setEnforcement(List.of(new EnforcementCount("M1.1", 37L, 2L, at.minusSeconds(60), at), new EnforcementCount("M2.1", 0L, 1L, at, at)))
                .build();
        assertThat(codec.decode(codec.encode(heartbeat))).isEqualTo(heartbeat);
    }

    @Test
    void rejectsWhatItCannotReadWithAReason() {
        assertThatThrownBy(() -> codec.decode("{\"json\":true}".getBytes()))
                .isInstanceOf(UnreadableMessageException.class).hasMessageContaining("not Avro single-object encoding");
        assertThatThrownBy(() -> codec.decode(new byte[] {(byte) 0xC3, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9}))
                .isInstanceOf(UnreadableMessageException.class).hasMessageContaining("unknown schema fingerprint");
        byte[] truncated = codec.encode(AuditRecord.newBuilder()
                .setEventId("e1").setOccurredAt(Instant.now()).setSource("s").setType("t").setOutcome("o").setActor("a").build());
        assertThatThrownBy(() -> codec.decode(java.util.Arrays.copyOf(truncated, 14)))
                .isInstanceOf(UnreadableMessageException.class).hasMessageContaining("corrupt Avro body");
        assertThatThrownBy(() -> codec.decode(null)).isInstanceOf(UnreadableMessageException.class);
    }

    @Test
    void refusesToDecodeAsTheWrongType() {
        byte[] bytes = codec.encode(MitigationDefinition.newBuilder()
                .setId("PING1").setRevision(1).setTitle("t").setProduct("Exchange").setActions(List.of()).build());
        assertThatThrownBy(() -> codec.decode(bytes, AuditRecord.class))
                .isInstanceOf(UnreadableMessageException.class).hasMessageContaining("expected AuditRecord");
    }
}
