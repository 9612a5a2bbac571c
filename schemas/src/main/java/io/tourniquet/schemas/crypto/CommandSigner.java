package io.tourniquet.schemas.crypto;

import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.serde.AvroCodec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import org.apache.avro.specific.SpecificRecord;

/** Signs an ApplyCommand or RemoveCommand: the signature covers the payload bytes exactly as they travel. */
public final class CommandSigner {

    private final KeyPair keyPair;
    private final String keyId;

    public CommandSigner(KeyPair keyPair) {
        this.keyPair = keyPair;
        this.keyId = Ed25519Keys.keyId(keyPair.getPublic());
    }

    public String keyId() {
        return keyId;
    }

    public SignedCommand sign(SpecificRecord command) {
        byte[] payload = AvroCodec.get().encode(command);
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(keyPair.getPrivate());
            signature.update(payload);
            return SignedCommand.newBuilder()
                    .setKeyId(keyId)
                    .setPayload(ByteBuffer.wrap(payload))
                    .setSignature(ByteBuffer.wrap(signature.sign()))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign command", e);
        }
    }
}
