package io.tourniquet.audit.store;

import io.tourniquet.audit.config.AuditConfig;
import io.tourniquet.schemas.audit.ChainHeads;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.crypto.TrustedKeys;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Signs a verified chain head, so that a customer who keeps the signed heads can later prove that nothing before
 * them was rewritten: the signed text is {@code tourniquet-chain-head|<tenant>|<events>|<head hash>|<signedAt>}
 * (check with {@code openssl pkeyutl -verify -pubin -inkey audit.pub -rawin -in text -sigfile sig}).
 */
@ApplicationScoped
public class ChainHeadSigner {

    /** A head as signed, with what is needed to check it independently. */
    public record SignedHead(String tenantId, long events, String head, Instant signedAt, String signedText, String keyId, String signature,
            String publicKeyPem) {
    }

    /** How a published head's signature checks out against this service's key. */
    public enum Verdict { VALID, UNSIGNED, NO_KEY_HERE, OTHER_KEY, BAD_SIGNATURE }

    private final Optional<PrivateKey> key;
    private final Optional<PublicKey> publicKey;

    @Inject
    public ChainHeadSigner(AuditConfig config) {
        this.key = config.signingKeyFile().map(Ed25519Keys::readPrivate);
        this.publicKey = config.signingPublicKeyFile().map(Ed25519Keys::readPublic);
        if (key.isPresent() != publicKey.isPresent()) {
            throw new IllegalArgumentException("tourniquet.audit.signing-key-file and signing-public-key-file go together");
        }
    }

    public Optional<SignedHead> sign(String tenant, long events, String head) {
        if (key.isEmpty()) {
            return Optional.empty();
        }
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String text = ChainHeads.signedText(tenant, events, head, at.toString());
        byte[] signature = Ed25519Keys.sign(key.get(), text.getBytes(StandardCharsets.UTF_8));
        return Optional.of(new SignedHead(tenant, events, head, at, text, Ed25519Keys.keyId(publicKey.get()),
                Base64.getEncoder().encodeToString(signature), Ed25519Keys.toPem(publicKey.get())));
    }

    /** Checks a head published earlier (its fields, its key id, its base64 signature; null signature: unsigned). */
    public Verdict verify(String tenant, long events, String head, String signedAt, String keyId, String signature) {
        if (signature == null || signature.isBlank()) {
            return Verdict.UNSIGNED;
        }
        if (publicKey.isEmpty()) {
            return Verdict.NO_KEY_HERE;
        }
        return switch (ChainHeads.verify(new TrustedKeys(List.of(publicKey.get())), tenant, events, head, signedAt, keyId, signature)) {
            case VALID -> Verdict.VALID;
            case UNKNOWN_KEY -> Verdict.OTHER_KEY;
            case BAD_SIGNATURE -> Verdict.BAD_SIGNATURE;
        };
    }
}
