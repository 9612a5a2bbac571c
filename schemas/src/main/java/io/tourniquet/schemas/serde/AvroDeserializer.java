package io.tourniquet.schemas.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/** Kafka deserializer for every Tourniquet message type; throws {@link UnreadableMessageException} with a reason. */
public class AvroDeserializer implements Deserializer<SpecificRecord> {

    @Override
    public SpecificRecord deserialize(String topic, byte[] data) {
        return data == null ? null : AvroCodec.get().decode(data);
    }
}
