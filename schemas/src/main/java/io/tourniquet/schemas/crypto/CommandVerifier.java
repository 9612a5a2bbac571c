package io.tourniquet.schemas.crypto;

import io.tourniquet.schemas.SignedCommand;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Checks a SignedCommand against pinned policy-service keys (several while a key is being rotated). */
public final class CommandVerifier {

    public enum Verdict { VALID, UNKNOWN_KEY, BAD_SIGNATURE }

    private final Map<String, PublicKey> trustedKeys;

    public CommandVerifier(Collection<PublicKey> trustedKeys) {
        this.trustedKeys = trustedKeys.stream().collect(Collectors.toUnmodifiableMap(Ed25519Keys::keyId, Function.identity(), (a, b) -> a));
    }

    public Verdict verify(SignedCommand command) {
        PublicKey key = trustedKeys.get(command.getKeyId());
        if (key == null) {
            return Verdict.UNKNOWN_KEY;
        }
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initVerify(key);
            signature.update(bytes(command.getPayload()));
            return signature.verify(bytes(command.getSignature())) ? Verdict.VALID : Verdict.BAD_SIGNATURE;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Verdict.BAD_SIGNATURE;
        }
    }

    public static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
