package io.tourniquet.schemas.serde;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.kafka.common.header.Headers;

/**
 * Records signed by their producer (agent events) carry the signature in headers; the signature covers the value's
 * bytes as sent. Only the deserializer still sees those bytes, so it notes their SHA-256 in a header of its own for
 * the check made after decoding ({@code crypto.AgentEventSignatures}).
 */
public final class SignedValues {

    public static final String KEY_ID_HEADER = "tourniquet-agent-key-id";
    public static final String SIGNATURE_HEADER = "tourniquet-agent-signature";
    /** Set by the consumer's deserializer, never trusted from the producer. */
    public static final String RECEIVED_DIGEST_HEADER = "tourniquet-received-sha256";

    private SignedValues() {
    }

    /** Called by the deserializer with the bytes as they arrived; drops a digest header a producer may have forged. */
    public static void noteReceivedDigest(Headers headers, byte[] value) {
        if (headers == null) {
            return;
        }
        headers.remove(RECEIVED_DIGEST_HEADER);
        if (value != null && headers.lastHeader(SIGNATURE_HEADER) != null) {
            headers.add(RECEIVED_DIGEST_HEADER, sha256(value).getBytes(StandardCharsets.US_ASCII));
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
