package io.tourniquet.feedtrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.feedtrust.InvalidFeedException.Reason;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SignedFeedVerifierTest {

    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private final KeyPair k1 = Ed25519Keys.generate();
    private final KeyPair k2 = Ed25519Keys.generate();
    private final KeyPair k3 = Ed25519Keys.generate();
    private final KeyPair outsider = Ed25519Keys.generate();
    /** 2 of 3, as an MSP that wants no single compromised key to be enough would set it. */
    private final SignedFeedVerifier verifier = new SignedFeedVerifier("msp-feed",
            List.of(k1.getPublic(), k2.getPublic(), k3.getPublic()), 2, 64 * 1024, Clock.fixed(NOW, ZoneOffset.UTC));

    static byte[] payload(String feedId, long version, Instant issuedAt, Instant expiresAt) {
        return ("""
                {"feedId": "%s", "version": "%d", "issuedAt": "%s", "expiresAt": "%s", "mitigations": [
                  {"id": "M1.1", "revision": 1, "title": "ProxyNotShell", "product": "Exchange",
                   "actions": [{"type": "blockRequests", "ruleName": "EEMS M1.1 PowerShell - inbound",
                                "conditions": [{"input": "{UrlDecode:{REQUEST_URI}}", "pattern": "(?=.*autodiscover)(?=.*powershell)"}]}]}]}
                """.formatted(feedId, version, issuedAt, expiresAt)).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] feed(long version, KeyPair... keys) {
        return SignedFeedCodec.sign(payload("msp-feed", version, NOW.minusSeconds(60), NOW.plus(Duration.ofDays(7))), List.of(keys));
    }

    private void assertRejected(byte[] feed, Optional<SignedFeedVerifier.Accepted> last, Reason reason) {
        assertThatThrownBy(() -> verifier.verify(feed, last))
                .isInstanceOfSatisfying(InvalidFeedException.class, e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }

    @Test
    void acceptsAFeedSignedByEnoughTrustedKeys() {
        var verified = verifier.verify(feed(7, k1, k3, outsider), Optional.empty());
        assertThat(verified.version()).isEqualTo(7);
        assertThat(verified.signedBy()).containsExactlyInAnyOrder(Ed25519Keys.keyId(k1.getPublic()), Ed25519Keys.keyId(k3.getPublic()));
        assertThat(verified.catalog().definitions()).extracting(d -> d.getId()).containsExactly("M1.1");
        assertThat(verified.unchanged()).isFalse();
    }

    @Test
    void rejectsTooFewSignaturesAndSignaturesByUntrustedKeys() {
        assertRejected(feed(7, k1), Optional.empty(), Reason.TOO_FEW_SIGNATURES);
        assertRejected(feed(7, k1, outsider), Optional.empty(), Reason.TOO_FEW_SIGNATURES);
        assertRejected(feed(7, k1, k1), Optional.empty(), Reason.TOO_FEW_SIGNATURES); // the same key twice is one key
        assertRejected(SignedFeedCodec.sign(payload("msp-feed", 7, NOW, NOW.plusSeconds(60)), List.of()), Optional.empty(), Reason.MISSING_SIGNATURE);
    }

    @Test
    void rejectsAPayloadChangedAfterSigning() {
        String envelope = new String(feed(7, k1, k2), StandardCharsets.UTF_8);
        String payload = envelope.replaceAll("(?s).*\"payload\" : \"([^\"]+)\".*", "$1");
        String changed = new String(Base64.getDecoder().decode(payload), StandardCharsets.UTF_8).replace("powershell", "nothing");
        byte[] tampered = envelope.replace(payload, Base64.getEncoder().encodeToString(changed.getBytes(StandardCharsets.UTF_8)))
                .getBytes(StandardCharsets.UTF_8);
        assertRejected(tampered, Optional.empty(), Reason.BAD_SIGNATURE);
    }

    @Test
    void rejectsRollbackFreezeReuseAndTheWrongFeed() {
        var accepted = Optional.of(new SignedFeedVerifier.Accepted(7, "other-digest"));
        assertRejected(feed(6, k1, k2), accepted, Reason.ROLLBACK);
        assertRejected(feed(7, k1, k2), accepted, Reason.VERSION_REUSED);
        assertRejected(SignedFeedCodec.sign(payload("msp-feed", 8, NOW.minus(Duration.ofDays(8)), NOW.minusSeconds(1)), List.of(k1, k2)),
                accepted, Reason.EXPIRED);
        assertRejected(SignedFeedCodec.sign(payload("msp-feed", 8, NOW.plus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(2))), List.of(k1, k2)),
                accepted, Reason.NOT_YET_VALID);
        assertRejected(SignedFeedCodec.sign(payload("other-feed", 8, NOW, NOW.plusSeconds(60)), List.of(k1, k2)), accepted, Reason.WRONG_FEED);

        byte[] same = feed(7, k1, k2);
        var digest = verifier.verify(same, Optional.empty()).payloadDigest();
        assertThat(verifier.verify(same, Optional.of(new SignedFeedVerifier.Accepted(7, digest))).unchanged()).isTrue();
    }

    @Test
    void rejectsOversizedMalformedAndUnknownFields() {
        byte[] big = new byte[64 * 1024 + 1];
        assertRejected(big, Optional.empty(), Reason.TOO_LARGE);
        assertRejected("{\"format\": \"tourniquet-feed/1\", \"payload\": \"x\", \"signatures\": [], \"extra\": 1}".getBytes(StandardCharsets.UTF_8),
                Optional.empty(), Reason.MALFORMED);
        byte[] unknownField = SignedFeedCodec.sign(new String(payload("msp-feed", 8, NOW, NOW.plusSeconds(60)), StandardCharsets.UTF_8)
                .replace("\"revision\": 1,", "\"revision\": 1, \"script\": \"Invoke-Expression\",").getBytes(StandardCharsets.UTF_8), List.of(k1, k2));
        assertThatThrownBy(() -> verifier.verify(unknownField, Optional.empty()))
                .isInstanceOfSatisfying(InvalidFeedException.class, e -> assertThat(e.getMessage()).contains("script"));
    }
}
