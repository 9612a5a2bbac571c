package io.tourniquet.schemas.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serializer for every Tourniquet message type; see {@link AvroCodec}. */
public class AvroSerializer implements Serializer<SpecificRecord> {

    @Override
    public byte[] serialize(String topic, SpecificRecord data) {
        return data == null ? null : AvroCodec.get().encode(data);
    }
}
