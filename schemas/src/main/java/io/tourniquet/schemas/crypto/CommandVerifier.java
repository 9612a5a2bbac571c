package io.tourniquet.schemas.crypto;

import io.tourniquet.schemas.SignedCommand;
import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.util.Collection;

/** Checks a SignedCommand against the pinned policy-service keys. */
public final class CommandVerifier {

    private final TrustedKeys trustedKeys;

    public CommandVerifier(Collection<PublicKey> trustedKeys) {
        this.trustedKeys = new TrustedKeys(trustedKeys);
    }

    public TrustedKeys.Verdict verify(SignedCommand command) {
        return trustedKeys.verify(command.getKeyId(), bytes(command.getPayload()), bytes(command.getSignature()));
    }

    public static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
