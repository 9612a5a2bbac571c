package io.tourniquet.schemas.serde;

import java.net.URI;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer for every Tourniquet message type; see {@link AvroCodec}. With {@value #REGISTRY_URL_CONFIG} in
 * the client configuration, values are written for that schema registry.
 */
public class AvroSerializer implements Serializer<SpecificRecord> {

    public static final String REGISTRY_URL_CONFIG = "tourniquet.schema.registry.url";

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object url = configs.get(REGISTRY_URL_CONFIG);
        if (url != null && !url.toString().isBlank()) {
            AvroCodec.get().useRegistry(new SchemaRegistryClient(URI.create(url.toString())));
        }
    }

    @Override
    public byte[] serialize(String topic, SpecificRecord data) {
        return data == null ? null : AvroCodec.get().encodeValue(data);
    }
}
