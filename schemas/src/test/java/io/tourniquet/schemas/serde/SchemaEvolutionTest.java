package io.tourniquet.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * A new release must read what the released ones wrote: every schema kept under {@code schema-history/} is
 * checked against the current schema of the same name, and data written with it is decoded by {@link AvroCodec}.
 */
class SchemaEvolutionTest {

    static Stream<Arguments> releasedSchemas() {
        Map<String, List<Schema>> history = AvroCodec.loadHistory();
        return MessageTypes.ALL.stream().flatMap(type -> {
            Schema current = SpecificData.get().getSchema(type);
            return history.getOrDefault(current.getFullName(), List.of()).stream()
                    .map(old -> Arguments.of(type.getSimpleName(), type, old));
        });
    }

    @Test
    void noReleasedMessageTypeHasBeenRemoved() {
        var current = MessageTypes.ALL.stream().map(t -> SpecificData.get().getSchema(t).getFullName()).toList();
        var released = AvroCodec.loadHistory().values().stream().flatMap(List::stream)
                .filter(s -> s.getType() == Schema.Type.RECORD).map(Schema::getFullName).distinct().toList();
        // every released top-level message type must still be readable (nested records may have been inlined)
        assertThat(released).filteredOn(name -> MessageTypeNames.TOP_LEVEL_V1.contains(name)).allSatisfy(name -> assertThat(current).contains(name));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("releasedSchemas")
    void currentSchemaReadsDataWrittenWithReleasedSchema(String name, Class<? extends SpecificRecordBase> type, Schema released) throws Exception {
        Schema current = SpecificData.get().getSchema(type);
        var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(current, released);
        assertThat(compatibility.getType())
                .as("%s: %s", name, compatibility.getResult().getIncompatibilities())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);

        for (long seed = 0; seed < 20; seed++) {
            Object datum = new RandomDatum(seed).of(released);
            ByteBuffer written = new BinaryMessageEncoder<>(GenericData.get(), released).encode(datum);
            byte[] bytes = new byte[written.remaining()];
            written.get(bytes);
            assertThat(AvroCodec.get().decode(bytes)).isInstanceOf(type);
        }
    }

    @Test
    void theCheckCatchesARequiredFieldAddedWithoutDefault() {
        Schema released = SchemaBuilder.record("X").fields().requiredString("a").endRecord();
        Schema changed = SchemaBuilder.record("X").fields().requiredString("a").requiredString("b").endRecord();
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(changed, released).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.INCOMPATIBLE);
    }
}
