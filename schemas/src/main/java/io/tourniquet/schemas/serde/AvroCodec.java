package io.tourniquet.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding (2-byte marker + 8-byte CRC-64-AVRO schema fingerprint + binary body), so that
 * no schema registry is needed: the fingerprint names the writer schema, and every schema this release can read
 * (the current ones and the released ones under {@code schema-history/}) is known here.
 * Several record types may share a topic; the fingerprint tells them apart.
 *
 * <p>Where a schema registry is configured ({@link #useRegistry}), Kafka values are written in the registry's wire
 * format instead (a zero byte, the 4-byte schema id, the binary body); both formats are always read. Signed payloads
 * and digests always use single-object encoding, so their bytes do not depend on how a deployment is configured.
 */
public final class AvroCodec {

    private static final byte[] MARKER = {(byte) 0xC3, (byte) 0x01};
    private static final byte REGISTRY_MAGIC = 0;
    private static final int REGISTRY_HEADER_LENGTH = 5;
    private static final int HEADER_LENGTH = 10;
    private static final String HISTORY_INDEX = "schema-history/index.txt";

    private static final AvroCodec INSTANCE = new AvroCodec();

    /** Resolves generated classes through the loader that holds them (Quarkus tests run several loaders). */
    private final SpecificData model = new SpecificData(AvroCodec.class.getClassLoader());
    private final Map<Long, BinaryMessageDecoder<? extends SpecificRecord>> decodersByFingerprint = new HashMap<>();
    private final Map<Class<?>, BinaryMessageEncoder<SpecificRecord>> encoders = new HashMap<>();
    private final Map<String, Schema> currentByName = new HashMap<>();
    private volatile SchemaRegistryClient registry;

    private AvroCodec() {
        String registryUrl = System.getProperty(AvroSerializer.REGISTRY_URL_CONFIG, System.getenv("TOURNIQUET_SCHEMA_REGISTRY_URL"));
        if (registryUrl != null && !registryUrl.isBlank()) {
            registry = new SchemaRegistryClient(URI.create(registryUrl));
        }
        Map<String, List<Schema>> historyByName = loadHistory();
        for (Class<? extends SpecificRecordBase> type : MessageTypes.ALL) {
            Schema current = model.getSchema(type);
            BinaryMessageDecoder<SpecificRecord> decoder = new BinaryMessageDecoder<>(model, current);
            decodersByFingerprint.put(fingerprint(current), decoder);
            for (Schema old : historyByName.getOrDefault(current.getFullName(), List.of())) {
                decoder.addSchema(old);
                decodersByFingerprint.put(fingerprint(old), decoder);
            }
            encoders.put(type, new BinaryMessageEncoder<>(model, current));
            currentByName.put(current.getFullName(), current);
        }
    }

    public static AvroCodec get() {
        return INSTANCE;
    }

    public byte[] encode(SpecificRecord record) {
        BinaryMessageEncoder<SpecificRecord> encoder = encoders.get(record.getClass());
        if (encoder == null) {
            throw new IllegalArgumentException(record.getClass().getName() + " is not a Tourniquet message type");
        }
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** From now on, Kafka values are written for (and read through) this schema registry. */
    public void useRegistry(SchemaRegistryClient client) {
        this.registry = client;
    }

    /** A Kafka value: single-object encoding, or the registry's wire format where a registry is configured. */
    public byte[] encodeValue(SpecificRecord record) {
        SchemaRegistryClient client = registry;
        if (client == null) {
            return encode(record);
        }
        try {
            var out = new ByteArrayOutputStream();
            out.write(REGISTRY_MAGIC);
            out.write(ByteBuffer.allocate(4).putInt(client.idOf(record.getSchema())).array());
            var encoder = EncoderFactory.get().binaryEncoder(out, null);
            model.createDatumWriter(record.getSchema()).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private SpecificRecord decodeRegistryFormat(byte[] bytes) {
        SchemaRegistryClient client = registry;
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        if (client == null) {
            throw new UnreadableMessageException("value written with schema registry id " + id
                    + "; configure tourniquet.schema.registry.url to read it");
        }
        Schema writer = client.schemaOf(id);
        Schema reader = currentByName.get(writer.getFullName());
        if (reader == null) {
            throw new UnreadableMessageException("registry schema " + id + " is " + writer.getFullName() + ", not a Tourniquet message type");
        }
        try {
            var decoder = DecoderFactory.get().binaryDecoder(bytes, REGISTRY_HEADER_LENGTH, bytes.length - REGISTRY_HEADER_LENGTH, null);
            return (SpecificRecord) model.createDatumReader(writer, reader).read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new UnreadableMessageException("corrupt Avro body (registry schema " + id + "): " + e.getMessage(), e);
        }
    }

    public SpecificRecord decode(byte[] bytes) {
        if (bytes == null) {
            throw new UnreadableMessageException("empty value (null)");
        }
        if (bytes.length > REGISTRY_HEADER_LENGTH && bytes[0] == REGISTRY_MAGIC) {
            return decodeRegistryFormat(bytes);
        }
        if (bytes.length < HEADER_LENGTH || bytes[0] != MARKER[0] || bytes[1] != MARKER[1]) {
            throw new UnreadableMessageException(
                    "not Avro single-object encoding (" + bytes.length + " bytes, no C3 01 marker)");
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        BinaryMessageDecoder<? extends SpecificRecord> decoder = decodersByFingerprint.get(fingerprint);
        if (decoder == null) {
            throw new UnreadableMessageException(String.format(
                    "unknown schema fingerprint %016x: not a Tourniquet message, or written by a newer release", fingerprint));
        }
        try {
            return decoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw new UnreadableMessageException("corrupt Avro body: " + e.getMessage(), e);
        }
    }

    public <T extends SpecificRecord> T decode(byte[] bytes, Class<T> expected) {
        SpecificRecord record = decode(bytes);
        if (!expected.isInstance(record)) {
            throw new UnreadableMessageException(
                    "expected " + expected.getSimpleName() + " but got " + record.getClass().getSimpleName());
        }
        return expected.cast(record);
    }

    static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    /** Released schema versions kept in the repository: {@code schema-history/<version>/<Name>.avsc}. */
    public static Map<String, List<Schema>> loadHistory() {
        Map<String, List<Schema>> byName = new HashMap<>();
        for (String version : readResource(HISTORY_INDEX).lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
            Schema.Parser parser = new Schema.Parser();
            for (String file : readResource("schema-history/" + version + "/files.txt").lines()
                    .map(String::strip).filter(l -> !l.isEmpty()).toList()) {
                parser.parse(readResource("schema-history/" + version + "/" + file));
            }
            parser.getTypes().values().forEach(
                    s -> byName.computeIfAbsent(s.getFullName(), k -> new ArrayList<>()).add(s));
        }
        return byName;
    }

    private static String readResource(String name) {
        try (InputStream in = AvroCodec.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
