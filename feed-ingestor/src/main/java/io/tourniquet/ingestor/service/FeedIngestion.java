package io.tourniquet.ingestor.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.tourniquet.feedtrust.CatalogParser.ParsedCatalog;
import io.tourniquet.feedtrust.InvalidFeedException;
import io.tourniquet.ingestor.messaging.FeedEventPublisher;
import io.tourniquet.schemas.AuditRecord;
import io.tourniquet.schemas.FeedEvidence;
import io.tourniquet.schemas.FeedKind;
import io.tourniquet.schemas.FeedVersionAccepted;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.MitigationWithdrawn;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.crypto.DefinitionSignatures;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.SigningKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Turns a verified feed into events: each new or changed mitigation is published once, each mitigation that left
 * the feed is published as withdrawn, and the verdict on the feed is recorded in the audit stream.
 */
@ApplicationScoped
public class FeedIngestion {

    private static final Logger LOG = Logger.getLogger(FeedIngestion.class);
    public static final String SOURCE = "feed-ingestor";

    /** What one ingestion did. */
    public record Result(String feedId, String feedVersion, List<String> published, List<String> withdrawn, int unchanged) {
    }

    @Inject
    FeedEventPublisher publisher;

    @Inject
    PublishedMitigations published;

    @Inject
    MeterRegistry registry;

    @Inject
    FeedVerification verification;

    @Inject
    FeedVersions versions;

    @Inject
    KnownExploited knownExploited;

    @Inject
    SigningKey publisherKey;

    private final Map<String, AtomicLong> lastSuccess = new ConcurrentHashMap<>();

    /**
     * Verifies a document of a configured feed and publishes what changed. A rejected document is recorded in the
     * audit stream with its reason, and nothing of it is published.
     *
     * @throws InvalidFeedException when the document is rejected
     */
    public synchronized Result ingestDocument(String feedId, byte[] document) {
        FeedVerification.Verified verified;
        try {
            verified = verification.verify(feedId, document);
        } catch (InvalidFeedException e) {
            reject(feedId, e);
            throw e;
        }
        lastSuccess(feedId).set(System.currentTimeMillis());
        if (verified.unchanged()) {
            registry.counter("tourniquet.feed.documents", "feed", feedId, "outcome", "unchanged", "reason", "none").increment();
            return new Result(feedId, verified.catalog().version(), List.of(), List.of(), verified.catalog().definitions().size());
        }
        for (String id : verified.quarantined()) {
            publisher.publishAudit(AuditEvents.builder(SOURCE, AuditType.FEED_QUARANTINED, "quarantined", "feed:" + feedId)
                    .setMitigationId(id)
                    .setReason("no declarative definition for config id " + id + " of feed " + feedId + ": recorded, never applied")
                    .setDetails(Map.of("feedId", feedId, "feedVersion", verified.catalog().version())).build());
            registry.counter("tourniquet.feed.quarantined", "feed", feedId).increment();
        }
        Result result = ingest(verified.catalog(), verified.kind(), verified.verifiedBy());
        var accepted = FeedVersionAccepted.newBuilder().setFeedId(feedId).setVersion(verified.version())
                .setPayloadDigest(verified.payloadDigest()).setAcceptedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).build();
        publisher.publishFeedVersion(accepted);
        versions.record(accepted);
        return result;
    }

    /** Epoch millis of each feed's last document that verified; the age is exported as a gauge for alerting. */
    public AtomicLong lastSuccess(String feedId) {
        return lastSuccess.computeIfAbsent(feedId, id -> new AtomicLong());
    }

    /**
     * @param kind       how the feed was verified
     * @param verifiedBy the key ids or certificate thumbprints that verified it
     */
    public synchronized Result ingest(ParsedCatalog catalog, FeedKind kind, List<String> verifiedBy) {
        try {
            Plan plan = plan(catalog, kind);
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            FeedEvidence evidence = FeedEvidence.newBuilder()
                    .setFeedId(catalog.feedId())
                    .setFeedKind(kind)
                    .setFeedVersion(catalog.version())
                    .setVerifiedBy(verifiedBy)
                    .setVerifiedAt(now)
                    .build();
            for (MitigationDefinition definition : plan.toPublish()) {
                String digest = Digests.of(definition);
                MitigationPublished event = MitigationPublished.newBuilder()
                        .setEventId(UUID.randomUUID().toString())
                        .setDefinition(definition)
                        .setDefinitionDigest(digest)
                        .setPublisherSignature(DefinitionSignatures.sign(publisherKey, digest))
                        .setEvidence(evidence)
                        .setPublishedAt(now)
                        .setExploitation(knownExploited.of(definition))
                        .build();
                publisher.publishMitigation(definition.getId(), event);
                published.record(event);
            }
            for (PublishedMitigations.Entry gone : plan.toWithdraw()) {
                MitigationWithdrawn event = MitigationWithdrawn.newBuilder()
                        .setEventId(UUID.randomUUID().toString())
                        .setMitigationId(gone.mitigationId())
                        .setRevision(gone.revision())
                        .setReason("no longer in feed " + catalog.feedId() + " version " + catalog.version())
                        .setEvidence(evidence)
                        .setWithdrawnAt(now)
                        .build();
                publisher.publishMitigation(gone.mitigationId(), event);
                published.record(event);
            }
            Result result = new Result(catalog.feedId(), catalog.version(),
                    plan.toPublish().stream().map(MitigationDefinition::getId).toList(),
                    plan.toWithdraw().stream().map(PublishedMitigations.Entry::mitigationId).toList(),
                    plan.unchanged());
            publisher.publishAudit(AuditEvents.builder(SOURCE, AuditType.FEED_ACCEPTED, "accepted", "feed:" + catalog.feedId())
                    .setDetails(Map.of(
                            "feedId", catalog.feedId(),
                            "feedVersion", catalog.version(),
                            "verifiedBy", String.join(",", evidence.getVerifiedBy()),
                            "published", String.join(",", result.published()),
                            "withdrawn", String.join(",", result.withdrawn()),
                            "unchanged", Integer.toString(result.unchanged())))
                    .build());
            registry.counter("tourniquet.feed.documents", "feed", catalog.feedId(), "outcome", "accepted", "reason", "none").increment();
            registry.counter("tourniquet.mitigations.published", "feed", catalog.feedId()).increment(result.published().size());
            LOG.infof("feed %s version %s accepted: published %s, withdrawn %s, unchanged %d",
                    catalog.feedId(), catalog.version(), result.published(), result.withdrawn(), result.unchanged());
            return result;
        } catch (InvalidFeedException e) {
            reject(catalog.feedId(), e);
            throw e;
        }
    }

    /**
     * Republishes, at the same revision, every active mitigation whose CISA KEV facts changed; the definition, its
     * digest and its feed evidence stay as they were, so no agent is commanded again.
     *
     * @return the ids republished
     */
    public synchronized List<String> refreshExploitation(String catalogVersion) {
        List<String> republished = new ArrayList<>();
        for (PublishedMitigations.Entry entry : published.active()) {
            MitigationPublished last = entry.event();
            var exploitation = knownExploited.of(last.getDefinition());
            if (last.getExploitation().equals(exploitation)) {
                continue;
            }
            MitigationPublished event = MitigationPublished.newBuilder()
                    .setEventId(UUID.randomUUID().toString())
                    .setDefinition(last.getDefinition())
                    .setDefinitionDigest(last.getDefinitionDigest())
                    .setPublisherSignature(DefinitionSignatures.sign(publisherKey, last.getDefinitionDigest()))
                    .setEvidence(last.getEvidence())
                    .setPublishedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                    .setExploitation(exploitation)
                    .build();
            publisher.publishMitigation(entry.mitigationId(), event);
            published.record(event);
            republished.add(entry.mitigationId());
        }
        publisher.publishAudit(AuditEvents.builder(SOURCE, AuditType.KEV_LOADED, "accepted", "feed:cisa-kev")
                .setDetails(Map.of("catalogVersion", catalogVersion, "republished", String.join(",", republished))).build());
        LOG.infof("CISA KEV %s loaded; republished %s", catalogVersion, republished);
        return republished;
    }

    /** Records a feed document that failed verification: nothing of it is published. */
    public void reject(String feedId, InvalidFeedException e) {
        AuditRecord record = AuditEvents.builder(SOURCE, AuditType.FEED_REJECTED, "rejected", "feed:" + feedId)
                .setReason(e.getMessage())
                .setDetails(Map.of("feedId", feedId, "reasonCode", e.reason().name()))
                .build();
        publisher.publishAudit(record);
        registry.counter("tourniquet.feed.documents", "feed", feedId, "outcome", "rejected", "reason", e.reason().name()).increment();
        LOG.warnf("feed %s rejected (%s): %s", feedId, e.reason(), e.getMessage());
    }

    private record Plan(List<MitigationDefinition> toPublish, List<PublishedMitigations.Entry> toWithdraw, int unchanged) {
    }

    private Plan plan(ParsedCatalog catalog, FeedKind kind) {
        String owner = PublishedMitigations.owner(catalog.feedId(), kind);
        List<MitigationDefinition> toPublish = new ArrayList<>();
        int unchanged = 0;
        for (MitigationDefinition definition : catalog.definitions()) {
            var previous = published.get(definition.getId());
            String digest = Digests.of(definition);
            if (previous.isEmpty()) {
                toPublish.add(definition);
                continue;
            }
            var last = previous.get();
            if (!last.owner().equals(owner)) {
                throw new InvalidFeedException(InvalidFeedException.Reason.MITIGATION_OF_ANOTHER_FEED, "mitigation " + definition.getId()
                        + " belongs to " + last.owner() + ", which first published it; feed " + catalog.feedId() + " cannot publish it");
            }
            if (definition.getRevision() < last.revision()) {
                throw new InvalidFeedException("mitigation " + definition.getId() + " revision " + definition.getRevision()
                        + " is older than the published revision " + last.revision() + " (rollback)");
            }
            if (definition.getRevision() == last.revision()) {
                if (last.withdrawn()) {
                    throw new InvalidFeedException("mitigation " + definition.getId() + " revision " + last.revision()
                            + " was withdrawn; re-offering it needs a new revision");
                }
                if (!digest.equals(last.digest())) {
                    throw new InvalidFeedException("mitigation " + definition.getId() + " changed without a new revision");
                }
                if (last.event() != null && !last.event().getExploitation().equals(knownExploited.of(definition))) {
                    toPublish.add(definition); // same definition, new exploitation facts (CISA KEV)
                    continue;
                }
                unchanged++;
            } else {
                toPublish.add(definition);
            }
        }
        Set<String> inFeed = catalog.definitions().stream().map(MitigationDefinition::getId).collect(Collectors.toSet());
        List<PublishedMitigations.Entry> toWithdraw = published.activeFromFeed(catalog.feedId()).stream()
                .filter(e -> !inFeed.contains(e.mitigationId())).toList();
        return new Plan(toPublish, toWithdraw, unchanged);
    }
}
