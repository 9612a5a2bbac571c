package io.tourniquet.schemas.serde;

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
 */
public final class AvroCodec {

    private static final byte[] MARKER = {(byte) 0xC3, (byte) 0x01};
    private static final int HEADER_LENGTH = 10;
    private static final String HISTORY_INDEX = "schema-history/index.txt";

    private static final AvroCodec INSTANCE = new AvroCodec();

    /** Resolves generated classes through the loader that holds them (Quarkus tests run several loaders). */
    private final SpecificData model = new SpecificData(AvroCodec.class.getClassLoader());
    private final Map<Long, BinaryMessageDecoder<? extends SpecificRecord>> decodersByFingerprint = new HashMap<>();
    private final Map<Class<?>, BinaryMessageEncoder<SpecificRecord>> encoders = new HashMap<>();

    private AvroCodec() {
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

    public SpecificRecord decode(byte[] bytes) {
        if (bytes == null) {
            throw new UnreadableMessageException("empty value (null)");
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
