package io.tourniquet.schemas.crypto;

import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.serde.AvroCodec;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.util.Arrays;
import org.apache.avro.specific.SpecificRecord;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Signs an ApplyCommand or RemoveCommand: the signature (Ed25519, RFC 8032) covers the payload bytes exactly as they
 * travel. Signing uses BouncyCastle, an order of magnitude faster than the JDK 17 provider for the one signature per
 * server a fan-out needs; any RFC 8032 verifier (the agents use the JDK's) accepts the result.
 */
public final class CommandSigner {

    /** An Ed25519 PKCS#8 private key is a fixed 16-byte header followed by the 32-byte seed. */
    private static final int SEED_LENGTH = 32;

    private final Ed25519PrivateKeyParameters privateKey;
    private final String keyId;

    public CommandSigner(KeyPair keyPair) {
        byte[] pkcs8 = keyPair.getPrivate().getEncoded();
        if (!"Ed25519".equals(keyPair.getPrivate().getAlgorithm()) && !"EdDSA".equals(keyPair.getPrivate().getAlgorithm()) || pkcs8.length < SEED_LENGTH) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + keyPair.getPrivate().getAlgorithm());
        }
        this.privateKey = new Ed25519PrivateKeyParameters(Arrays.copyOfRange(pkcs8, pkcs8.length - SEED_LENGTH, pkcs8.length), 0);
        this.keyId = Ed25519Keys.keyId(keyPair.getPublic());
        if (!Arrays.equals(privateKey.generatePublicKey().getEncoded(), Ed25519Keys.raw(keyPair.getPublic()))) {
            throw new IllegalArgumentException("the private key does not match public key " + keyId);
        }
    }

    public String keyId() {
        return keyId;
    }

    public SignedCommand sign(SpecificRecord command) {
        byte[] payload = AvroCodec.get().encode(command);
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, privateKey);
        signer.update(payload, 0, payload.length);
        return SignedCommand.newBuilder()
                .setKeyId(keyId)
                .setPayload(ByteBuffer.wrap(payload))
                .setSignature(ByteBuffer.wrap(signer.generateSignature()))
                .build();
    }
}
