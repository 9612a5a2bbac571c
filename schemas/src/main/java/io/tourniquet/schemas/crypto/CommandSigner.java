package io.tourniquet.schemas.crypto;

import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.serde.AvroCodec;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;

/** Signs an ApplyCommand or RemoveCommand with the policy key: the signature covers the payload bytes exactly as they travel. */
public final class CommandSigner {

    /** About the size of an encoded ApplyCommand (measured by the bench: 635 bytes signed). */
    private static final int COMMAND_SIZE = 640;

    private final SigningKey key;

    public CommandSigner(KeyPair keyPair) {
        this.key = new SigningKey(keyPair);
    }

    public String keyId() {
        return key.keyId();
    }

    /**
     * Signs throw-away payloads of a command's size with this key, so that the signing code is compiled before the
     * first real fan-out: a policy service started in an emergency (a rolling restart, a crash) otherwise signs its
     * first thousands of commands interpreted. The signatures are discarded. Returns how long it took.
     */
    public Duration warmUp(int signatures) {
        long start = System.nanoTime();
        byte[] payload = new byte[COMMAND_SIZE];
        for (int i = 0; i < signatures; i++) {
            payload[i % COMMAND_SIZE] ^= (byte) i;
            key.sign(payload);
        }
        return Duration.ofNanos(System.nanoTime() - start);
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
