package io.tourniquet.schemas.audit;

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
}
