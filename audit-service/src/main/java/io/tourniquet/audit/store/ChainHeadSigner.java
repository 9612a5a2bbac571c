package io.tourniquet.audit.store;

import io.tourniquet.audit.config.AuditConfig;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
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
        String text = "tourniquet-chain-head|" + tenant + "|" + events + "|" + head + "|" + at;
        byte[] signature = Ed25519Keys.sign(key.get(), text.getBytes(StandardCharsets.UTF_8));
        return Optional.of(new SignedHead(tenant, events, head, at, text, Ed25519Keys.keyId(publicKey.get()),
                Base64.getEncoder().encodeToString(signature), Ed25519Keys.toPem(publicKey.get())));
    }
}
