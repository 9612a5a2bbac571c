package io.tourniquet.ingestor.service;

import io.quarkus.runtime.StartupEvent;
import io.tourniquet.ingestor.config.IngestorConfig;
import io.tourniquet.feedtrust.BundledCatalog;
import io.tourniquet.schemas.kafka.CompactedTopicReader;
import io.tourniquet.schemas.FeedKind;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.tourniquet.schemas.kafka.KafkaClients;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** At startup: make sure the topics exist, learn what was already published, then publish the bundled catalog. */
@ApplicationScoped
public class IngestorStartup {

    private static final Logger LOG = Logger.getLogger(IngestorStartup.class);

    @Inject
    IngestorConfig config;

    @Inject
    KafkaClients kafka;

    @Inject
    PublishedMitigations published;

    @Inject
    FeedIngestion ingestion;

    @Inject
    FeedVersions versions;

    void onStart(@Observes StartupEvent event) {
        try (TopicProvisioner provisioner = new TopicProvisioner(kafka, config.kafkaTimeout())) {
            provisioner.ensure(Topics.central());
        }
        int known = CompactedTopicReader.readAll(kafka, Topics.MITIGATIONS, config.kafkaTimeout(), published::record);
        int feeds = CompactedTopicReader.readAll(kafka, Topics.FEED_VERSIONS, config.kafkaTimeout(), versions::record);
        LOG.infof("%d mitigation events already on %s; %d feed versions accepted before", known, Topics.MITIGATIONS, feeds);
        if (config.bundledCatalogEnabled()) {
            ingestion.ingest(BundledCatalog.parse(config.maxDocumentBytes()), FeedKind.BUNDLED_CATALOG, BundledCatalog.verifiedBy());
        }
    }
}
