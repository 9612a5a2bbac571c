package io.tourniquet.schemas.crypto;

import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.serde.AvroCodec;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests in lower-case hex. */
public final class Digests {

    private Digests() {
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The digest that ties a command to the definition as it came, signed, from a feed. */
    public static String of(MitigationDefinition definition) {
        return sha256(AvroCodec.get().encode(definition));
    }
}
