package io.tourniquet.ingestor.service;

import io.tourniquet.feedtrust.BundledCatalog;
import io.tourniquet.feedtrust.CatalogParser;
import io.tourniquet.feedtrust.EocsMapping;
import io.tourniquet.feedtrust.EocsVerifier;
import io.tourniquet.feedtrust.InvalidFeedException;
import io.tourniquet.feedtrust.SignedFeedVerifier;
import io.tourniquet.ingestor.config.IngestorConfig;
import io.tourniquet.schemas.FeedKind;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;

/** Verifies a document of a configured feed with that feed's pinned trust, and maps it to our definitions. */
@ApplicationScoped
public class FeedVerification {

    /** A verified document, ready to publish. */
    public record Verified(CatalogParser.ParsedCatalog catalog, FeedKind kind, List<String> verifiedBy, long version,
            String payloadDigest, boolean unchanged, List<String> quarantined) {
    }

    @Inject
    IngestorConfig config;

    @Inject
    FeedVersions versions;

    public Verified verify(String feedId, byte[] document) {
        IngestorConfig.Feed feed = config.feeds().get(feedId);
        if (feed == null) {
            throw new InvalidFeedException(InvalidFeedException.Reason.WRONG_FEED, "no feed '" + feedId + "' is configured");
        }
        return feed.format() == IngestorConfig.Format.EOCS ? eocs(feedId, feed, document) : signed(feedId, feed, document);
    }

    private Verified signed(String feedId, IngestorConfig.Feed feed, byte[] document) {
        var keys = feed.trustedKeys().orElseThrow(() -> new IllegalStateException("feed " + feedId + " has no trusted-keys"))
                .stream().map(Ed25519Keys::readPublic).toList();
        var verified = new SignedFeedVerifier(feedId, keys, feed.threshold(), config.maxDocumentBytes(), Clock.systemUTC())
                .verify(document, versions.last(feedId));
        return new Verified(verified.catalog(), FeedKind.TOURNIQUET_SIGNED, verified.signedBy().stream().map(k -> "ed25519:" + k).toList(),
                verified.version(), verified.payloadDigest(), verified.unchanged(), List.of());
    }

    /**
     * Microsoft's config ids are mapped to our declarative definitions through the bundled catalog; an id we have no
     * definition for is quarantined: recorded, never applied. The signing time is the version (rollback protection).
     */
    private Verified eocs(String feedId, IngestorConfig.Feed feed, byte[] document) {
        var trust = new EocsVerifier.Trust(
                feed.signingAnchors().orElse(EocsVerifier.Trust.microsoft(0).signingAnchors()),
                feed.timestampAnchors().orElse(EocsVerifier.Trust.microsoft(0).timestampAnchors()),
                config.maxDocumentBytes());
        var verified = new EocsVerifier(trust).verify(document);
        long version = verified.signingTime().toEpochMilli();
        String digest = Digests.sha256(document);
        boolean unchanged = SignedFeedVerifier.isUnchanged(version, digest, versions.last(feedId));
        var mapped = EocsMapping.map(verified.configs(), BundledCatalog.parse(config.maxDocumentBytes()).definitions());
        var catalog = new CatalogParser.ParsedCatalog(feedId, verified.version() + "@" + verified.signingTime(), mapped.definitions(),
                verified.signingTime(), null);
        return new Verified(catalog, FeedKind.MICROSOFT_EOCS, List.of("x509-sha256:" + verified.signerSha256()), version, digest, unchanged,
                mapped.quarantined());
    }
}
