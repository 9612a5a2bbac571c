package io.tourniquet.schemas.crypto;

import io.tourniquet.schemas.DefinitionSignature;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The publisher's (feed-ingestor's) signature of a mitigation definition: the second authority beside the policy
 * service's command signature (Uptane's image repository beside its director). It covers a fixed context string
 * and the definition's digest, so it can never be mistaken for a command signature (those cover Avro
 * single-object encodings, which start with 0xC3 0x01).
 */
public final class DefinitionSignatures {

    private static final String CONTEXT = "tourniquet mitigation definition v1\n";

    private DefinitionSignatures() {
    }

    public static byte[] signedBytes(String definitionDigest) {
        return (CONTEXT + definitionDigest).getBytes(StandardCharsets.US_ASCII);
    }

    public static DefinitionSignature sign(SigningKey publisherKey, String definitionDigest) {
        return DefinitionSignature.newBuilder()
                .setKeyId(publisherKey.keyId())
                .setSignature(ByteBuffer.wrap(publisherKey.sign(signedBytes(definitionDigest))))
                .build();
    }

    /** UNKNOWN_KEY also when there is no signature at all; callers that must tell the two apart check null first. */
    public static TrustedKeys.Verdict verify(TrustedKeys publisherKeys, DefinitionSignature signature, String definitionDigest) {
        if (signature == null) {
            return TrustedKeys.Verdict.UNKNOWN_KEY;
        }
        return publisherKeys.verify(signature.getKeyId(), signedBytes(definitionDigest), CommandVerifier.bytes(signature.getSignature()));
    }
}
