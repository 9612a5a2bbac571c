package io.tourniquet.schemas.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;

/** Serde for Kafka Streams. */
public class AvroSerde extends Serdes.WrapperSerde<SpecificRecord> {

    public AvroSerde() {
        super(new AvroSerializer(), new AvroDeserializer());
    }
}
