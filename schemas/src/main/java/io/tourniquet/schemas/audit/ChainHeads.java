package io.tourniquet.schemas.audit;

import io.tourniquet.schemas.crypto.TrustedKeys;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The text the audit service signs for a tenant's chain head, so that a head can be checked by anyone who pinned the
 * audit public key ({@code openssl pkeyutl -verify -pubin -inkey audit.pub -rawin -in text -sigfile sig}): every
 * field of the head is in it, none can be changed without breaking the signature.
 */
public final class ChainHeads {

    private ChainHeads() {
    }

    public static String signedText(String tenant, long events, String head, String signedAt) {
        return "tourniquet-chain-head|" + tenant + "|" + events + "|" + head + "|" + signedAt;
    }

    /** Whether a published head's base64 signature is one of the pinned keys' over its fields. */
    public static TrustedKeys.Verdict verify(TrustedKeys pinned, String tenant, long events, String head, String signedAt, String keyId,
            String signature) {
        if (keyId == null) {
            return TrustedKeys.Verdict.UNKNOWN_KEY;
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(String.valueOf(signature));
        } catch (IllegalArgumentException e) {
            return TrustedKeys.Verdict.BAD_SIGNATURE;
        }
        return pinned.verify(keyId, signedText(tenant, events, head, signedAt).getBytes(StandardCharsets.UTF_8), raw);
    }
}
