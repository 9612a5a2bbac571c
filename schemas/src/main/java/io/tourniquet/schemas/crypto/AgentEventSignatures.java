package io.tourniquet.schemas.crypto;

import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.serde.SignedValues;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Agent identity on the wire: each server's agent signs every event it reports with its own enrolled key, so one
 * agent of a tenant cannot speak for another server (report it "patched" and so have its mitigation removed). The
 * signature travels in two record headers and covers a context string and the SHA-256 of the value bytes exactly as
 * sent, whatever the serialization (single-object encoding or a registry's); the consumer's deserializer notes the
 * digest of the bytes it received ({@link SignedValues#noteReceivedDigest}) and the policy and audit services check it against
 * the server's enrolment.
 */
public final class AgentEventSignatures {

    public static final String KEY_ID_HEADER = SignedValues.KEY_ID_HEADER;
    public static final String SIGNATURE_HEADER = SignedValues.SIGNATURE_HEADER;
    public static final String RECEIVED_DIGEST_HEADER = SignedValues.RECEIVED_DIGEST_HEADER;

    private static final String CONTEXT = "tourniquet agent event v1\n";
    private static final int MAX_CACHED_KEYS = 100_000;
    /** Parsed enrolled keys by their PEM text (parsing is dearer than verifying). */
    private static final Map<String, TrustedKeys> PARSED = new ConcurrentHashMap<>();

    /** Whether an event may be acted on, and why not. */
    public record Check(boolean valid, String reason) {
        static Check ok() {
            return new Check(true, "");
        }

        static Check refused(String reason) {
            return new Check(false, reason);
        }
    }

    private AgentEventSignatures() {
    }

    private static byte[] signedBytes(String valueDigest) {
        return (CONTEXT + valueDigest).getBytes(StandardCharsets.US_ASCII);
    }

    /** The two headers that sign a value as the agent sends it. */
    public static List<Header> sign(SigningKey agentKey, byte[] value) {
        return List.of(new RecordHeader(KEY_ID_HEADER, agentKey.keyId().getBytes(StandardCharsets.US_ASCII)),
                new RecordHeader(SIGNATURE_HEADER, agentKey.sign(signedBytes(Digests.sha256(value)))));
    }

    /** Checks a received event's headers against the server's enrolment (null: the server is not enrolled). */
    public static Check verify(Headers headers, AgentEnrolment enrolment) {
        if (enrolment == null) {
            return Check.refused("the server is not enrolled (tourniquet agent enroll)");
        }
        Header signature = headers.lastHeader(SIGNATURE_HEADER);
        Header keyId = headers.lastHeader(KEY_ID_HEADER);
        Header digest = headers.lastHeader(RECEIVED_DIGEST_HEADER);
        if (signature == null || keyId == null) {
            return Check.refused("the event is not signed; the server is enrolled with key " + enrolment.getKeyId());
        }
        String signedBy = new String(keyId.value(), StandardCharsets.US_ASCII);
        if (!signedBy.equals(enrolment.getKeyId())) {
            return Check.refused("signed with key " + signedBy + ", but the server is enrolled with key " + enrolment.getKeyId());
        }
        if (digest == null) {
            throw new IllegalStateException("no " + RECEIVED_DIGEST_HEADER + " header: the consumer's value deserializer must be AvroDeserializer");
        }
        TrustedKeys key = PARSED.computeIfAbsent(enrolment.getPublicKey(), pem -> {
            if (PARSED.size() > MAX_CACHED_KEYS) {
                PARSED.clear();
            }
            return new TrustedKeys(List.of(Ed25519Keys.publicFromPem(pem, "the enrolment of " + enrolment.getServerId())));
        });
        var verdict = key.verify(signedBy, signedBytes(new String(digest.value(), StandardCharsets.US_ASCII)), signature.value());
        return verdict == TrustedKeys.Verdict.VALID ? Check.ok()
                : Check.refused("the signature does not verify with the server's enrolled key " + enrolment.getKeyId());
    }
}
