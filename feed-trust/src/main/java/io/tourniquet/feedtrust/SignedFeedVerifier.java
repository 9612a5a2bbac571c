package io.tourniquet.feedtrust;

import static io.tourniquet.feedtrust.InvalidFeedException.Reason.BAD_SIGNATURE;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.EXPIRED;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.INVALID_CONTENT;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.MISSING_SIGNATURE;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.NOT_YET_VALID;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.ROLLBACK;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.TOO_FEW_SIGNATURES;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.TOO_LARGE;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.VERSION_REUSED;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.WRONG_FEED;

import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Accepts Tourniquet's signed feed only when: it fits the size limit; at least {@code threshold} distinct trusted
 * keys signed it and no trusted key's signature fails; it is the configured feed; it is issued, not expired (freeze),
 * and its version is not lower than the last accepted one (rollback), nor equal with other content.
 */
public final class SignedFeedVerifier {

    /** Issue times this far in the future are tolerated (clock skew). */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    /** What was last accepted for a feed: its version and the digest of its payload. */
    public record Accepted(long version, String payloadDigest) {
    }

    /** A feed that passed every check; {@code unchanged} when it is the version already accepted. */
    public record Verified(CatalogParser.ParsedCatalog catalog, long version, List<String> signedBy, String payloadDigest, boolean unchanged) {
    }

    private final String feedId;
    private final Map<String, PublicKey> trustedKeys;
    private final int threshold;
    private final int maxBytes;
    private final Clock clock;

    public SignedFeedVerifier(String feedId, Collection<PublicKey> trustedKeys, int threshold, int maxBytes, Clock clock) {
        if (threshold < 1 || threshold > trustedKeys.size()) {
            throw new IllegalArgumentException("feed " + feedId + ": threshold " + threshold + " must be between 1 and the "
                    + trustedKeys.size() + " trusted keys");
        }
        this.feedId = feedId;
        this.trustedKeys = trustedKeys.stream().collect(Collectors.toMap(Ed25519Keys::keyId, Function.identity(), (a, b) -> a));
        this.threshold = threshold;
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    public Verified verify(byte[] envelope, Optional<Accepted> last) {
        if (envelope.length > maxBytes) {
            throw new InvalidFeedException(TOO_LARGE, "document too large: " + envelope.length + " bytes, limit " + maxBytes);
        }
        SignedFeed feed = SignedFeedCodec.read(envelope);
        byte[] payload;
        try {
            payload = Base64.getDecoder().decode(feed.payload());
        } catch (IllegalArgumentException e) {
            throw new InvalidFeedException(InvalidFeedException.Reason.MALFORMED, "payload is not base64", e);
        }
        List<String> signedBy = checkSignatures(feed, payload);
        CatalogParser.ParsedCatalog catalog = new CatalogParser(maxBytes).parse(payload);
        if (!feedId.equals(catalog.feedId())) {
            throw new InvalidFeedException(WRONG_FEED, "document is feed '" + catalog.feedId() + "', expected '" + feedId + "'");
        }
        long version = version(catalog.version());
        Instant now = clock.instant();
        if (catalog.issuedAt() == null || catalog.expiresAt() == null) {
            throw new InvalidFeedException(INVALID_CONTENT, "a signed feed needs issuedAt and expiresAt");
        }
        if (catalog.issuedAt().isAfter(now.plus(CLOCK_SKEW))) {
            throw new InvalidFeedException(NOT_YET_VALID, "issued at " + catalog.issuedAt() + ", in the future");
        }
        if (!catalog.expiresAt().isAfter(now)) {
            throw new InvalidFeedException(EXPIRED, "expired at " + catalog.expiresAt() + " (a frozen feed must not be replayed)");
        }
        String digest = Digests.sha256(payload);
        return new Verified(catalog, version, signedBy, digest, isUnchanged(version, digest, last));
    }

    /**
     * Rollback protection for any feed with a monotonic version.
     *
     * @return true when this is exactly the version accepted last
     * @throws InvalidFeedException for an older version, or the same version with other content
     */
    public static boolean isUnchanged(long version, String digest, Optional<Accepted> last) {
        if (last.isEmpty() || version > last.get().version()) {
            return false;
        }
        if (version < last.get().version()) {
            throw new InvalidFeedException(ROLLBACK, "version " + version + " is older than the accepted version " + last.get().version());
        }
        if (!digest.equals(last.get().payloadDigest())) {
            throw new InvalidFeedException(VERSION_REUSED, "version " + version + " was accepted before with other content");
        }
        return true;
    }

    private List<String> checkSignatures(SignedFeed feed, byte[] payload) {
        if (feed.signatures().isEmpty()) {
            throw new InvalidFeedException(MISSING_SIGNATURE, "feed is not signed");
        }
        TreeSet<String> valid = new TreeSet<>();
        for (SignedFeed.Signature s : feed.signatures()) {
            PublicKey key = s == null ? null : trustedKeys.get(s.keyId());
            if (key == null) {
                continue; // a signature by a key we do not trust counts for nothing
            }
            if (!verifies(key, payload, s.signature())) {
                throw new InvalidFeedException(BAD_SIGNATURE, "signature by trusted key " + s.keyId() + " does not verify: the payload was changed");
            }
            valid.add(s.keyId());
        }
        if (valid.size() < threshold) {
            throw new InvalidFeedException(TOO_FEW_SIGNATURES, valid.size() + " valid signature(s) from trusted keys, " + threshold + " required");
        }
        return List.copyOf(valid);
    }

    private static boolean verifies(PublicKey key, byte[] payload, String signature) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(payload);
            return verifier.verify(Base64.getDecoder().decode(signature));
        } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }

    private static long version(String version) {
        try {
            long v = Long.parseLong(version);
            if (v < 1) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidFeedException(INVALID_CONTENT, "version '" + version + "' is not a positive integer");
        }
    }
}
