package io.tourniquet.schemas.crypto;

import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.serde.AvroCodec;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import org.apache.avro.specific.SpecificRecord;

/** Signs an ApplyCommand or RemoveCommand with the policy key: the signature covers the payload bytes exactly as they travel. */
public final class CommandSigner {

    private final SigningKey key;

    public CommandSigner(KeyPair keyPair) {
        this.key = new SigningKey(keyPair);
    }

    public String keyId() {
        return key.keyId();
    }

    public SignedCommand sign(SpecificRecord command) {
        byte[] payload = AvroCodec.get().encode(command);
        return SignedCommand.newBuilder()
                .setKeyId(key.keyId())
                .setPayload(ByteBuffer.wrap(payload))
                .setSignature(ByteBuffer.wrap(key.sign(payload)))
                .build();
    }
}
