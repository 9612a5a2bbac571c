package io.tourniquet.schemas.serde;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer for every Tourniquet message type; throws {@link UnreadableMessageException} with a reason.
 * A channel that takes one type names it with {@value #EXPECTED_TYPE_CONFIG}: any other type is unreadable there.
 */
public class AvroDeserializer implements Deserializer<SpecificRecord> {

    /** Consumer setting: the fully qualified class of the only message type this consumer accepts. */
    public static final String EXPECTED_TYPE_CONFIG = "tourniquet.avro.expected-type";

    private Class<? extends SpecificRecord> expected = SpecificRecord.class;

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object type = configs.get(EXPECTED_TYPE_CONFIG);
        if (type != null) {
            expected = MessageTypes.ALL.stream().filter(t -> t.getName().equals(type.toString())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(EXPECTED_TYPE_CONFIG + "=" + type + " is not a Tourniquet message type"));
        }
    }

    /**
     * Where the record is signed by an agent, also notes the digest of the bytes exactly as they arrived
     * ({@link SignedValues#RECEIVED_DIGEST_HEADER}), the only place the wire bytes are still seen, so that the
     * signature can be checked after decoding. A header of that name sent by the producer is dropped first.
     */
    @Override
    public SpecificRecord deserialize(String topic, Headers headers, byte[] data) {
        SignedValues.noteReceivedDigest(headers, data);
        return deserialize(topic, data);
    }

    @Override
    public SpecificRecord deserialize(String topic, byte[] data) {
        return data == null ? null : AvroCodec.get().decode(data, expected);
    }
}
