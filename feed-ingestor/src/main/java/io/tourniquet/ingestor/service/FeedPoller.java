package io.tourniquet.ingestor.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import io.tourniquet.feedtrust.InvalidFeedException;
import io.tourniquet.feedtrust.KevCatalog;
import io.tourniquet.ingestor.config.IngestorConfig;
import io.tourniquet.ingestor.messaging.FeedEventPublisher;
import io.tourniquet.schemas.audit.AuditEvents;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.crypto.Digests;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Reads every feed that has a location, on its interval. A source that cannot be read is recorded in the audit
 * stream when it starts failing and when it recovers (not every minute); a document rejected once is not
 * re-recorded on every poll. The age of each feed's last good document is a gauge, so that an alert can fire when a
 * feed goes silent.
 */
@ApplicationScoped
public class FeedPoller {

    private static final Logger LOG = Logger.getLogger(FeedPoller.class);

    @Inject
    IngestorConfig config;

    @Inject
    FeedIngestion ingestion;

    @Inject
    FeedEventPublisher publisher;

    @Inject
    MeterRegistry registry;

    static final String KEV_FEED = "cisa-kev";
    /** The full CISA catalog is about 1.5 MB today. */
    static final int KEV_MAX_BYTES = 16 * 1024 * 1024;

    @Inject
    KnownExploited knownExploited;

    private final Map<String, Set<String>> rejectedDigests = new ConcurrentHashMap<>();
    private final Map<String, Boolean> failing = new ConcurrentHashMap<>();
    @Inject
    Scheduler scheduler;

    void onStart(@Observes @Priority(100) StartupEvent event) {
        config.feeds().keySet().forEach(feedId -> Gauge.builder("tourniquet.feed.last.success.age.seconds", () -> {
            long last = ingestion.lastSuccess(feedId).get();
            return last == 0 ? Double.NaN : (System.currentTimeMillis() - last) / 1000.0;
        }).tag("feed", feedId).register(registry));
        config.feeds().forEach((feedId, feed) -> feed.location().ifPresent(location ->
                every(feedId, feed.pollInterval(), () -> poll(feedId, location))));
        config.kev().location().ifPresent(location -> every(KEV_FEED, config.kev().pollInterval(), () -> loadKev(location)));
    }

    /**
     * One job per feed, first run at start; each feed has its own interval in the typed configuration, so the jobs are
     * made here rather than with @Scheduled. A failed poll is logged with its feed, and the next one runs on schedule.
     */
    private void every(String feedId, Duration interval, Runnable poll) {
        scheduler.newJob("feed-" + feedId).setInterval(interval.toString()).setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> {
                    try {
                        poll.run();
                    } catch (RuntimeException | LinkageError | AssertionError e) {
                        LOG.errorf(e, "feed %s: this poll failed; the next one runs on schedule", feedId);
                    }
                }).schedule();
    }

    void loadKev(String location) {
        try {
            for (var document : FeedSourceReader.read(location, KEV_MAX_BYTES)) {
                var catalog = KevCatalog.parse(document.bytes(), KEV_MAX_BYTES);
                knownExploited.replace(catalog.byCve());
                ingestion.refreshExploitation(catalog.catalogVersion());
            }
            recovered(KEV_FEED, location);
        } catch (IOException e) {
            if (!Boolean.TRUE.equals(failing.put(KEV_FEED, true))) {
                LOG.warnf("CISA KEV: cannot read %s: %s", location, e.getMessage());
            }
        } catch (InvalidFeedException e) {
            LOG.warnf("CISA KEV catalog at %s rejected (%s): %s", location, e.reason(), e.getMessage());
            publisher.publishAudit(AuditEvents.builder(FeedIngestion.SOURCE, AuditType.FEED_REJECTED, "rejected", "feed:" + KEV_FEED)
                    .setReason(e.getMessage()).setDetails(Map.of("feedId", KEV_FEED, "reasonCode", e.reason().name())).build());
        }
    }

    void poll(String feedId, String location) {
        try {
            var documents = FeedSourceReader.read(location, config.maxDocumentBytes());
            registry.counter("tourniquet.feed.fetches", "feed", feedId, "outcome", "fetched").increment();
            recovered(feedId, location);
            for (var document : documents) {
                String digest = Digests.sha256(document.bytes());
                Set<String> rejected = rejectedDigests.computeIfAbsent(feedId, id -> ConcurrentHashMap.newKeySet());
                if (rejected.contains(digest)) {
                    continue;
                }
                try {
                    ingestion.ingestDocument(feedId, document.bytes());
                } catch (InvalidFeedException e) {
                    rejected.add(digest); // recorded once by the ingestion; the same bytes will fail the same way
                }
            }
        } catch (IOException e) {
            registry.counter("tourniquet.feed.fetches", "feed", feedId, "outcome", "failed").increment();
            if (!Boolean.TRUE.equals(failing.get(feedId))) {
                LOG.warnf("feed %s: cannot read %s: %s", feedId, location, e.getMessage());
                publisher.publishAudit(AuditEvents.builder(FeedIngestion.SOURCE, AuditType.FEED_UNREACHABLE, "failed", "feed:" + feedId)
                        .setReason("cannot read " + location + ": " + e.getMessage()).setDetails(Map.of("feedId", feedId)).build());
                failing.put(feedId, true); // only once recorded: if the record could not be sent, the next poll tries again
            }
        }
    }

    private void recovered(String feedId, String location) {
        if (Boolean.TRUE.equals(failing.get(feedId))) {
            publisher.publishAudit(AuditEvents.builder(FeedIngestion.SOURCE, AuditType.FEED_REACHABLE, "recovered", "feed:" + feedId)
                    .setReason(location + " readable again").setDetails(Map.of("feedId", feedId)).build());
        }
        failing.put(feedId, false);
    }
}
