package io.tourniquet.feedtrust;

import java.util.List;

/**
 * Tourniquet's own feed, as it travels: the payload (a catalog document with feedId, an integer version, issuedAt,
 * expiresAt and the mitigations) base64-encoded exactly as signed, and one Ed25519 signature per signing key over
 * those bytes. Signing the bytes, not a re-serialised object, leaves nothing to canonicalise.
 * <pre>
 * {"format": "tourniquet-feed/1", "payload": "eyJmZWVkSWQiOi...", "signatures": [{"keyId": "3f9a...", "signature": "..."}]}
 * </pre>
 */
public record SignedFeed(String format, String payload, List<Signature> signatures) {

    public static final String FORMAT = "tourniquet-feed/1";

    /** One key's signature; the key id is the first 16 hex digits of the SHA-256 of the public key. */
    public record Signature(String keyId, String signature) {
    }
}
