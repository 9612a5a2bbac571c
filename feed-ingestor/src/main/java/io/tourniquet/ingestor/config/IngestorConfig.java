package io.tourniquet.ingestor.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "tourniquet.ingestor")
public interface IngestorConfig {

    /** Publish the catalog bundled with this release at startup. */
    @WithDefault("true")
    boolean bundledCatalogEnabled();

    /** Feed documents above this size are rejected before parsing. */
    @WithDefault("1048576")
    int maxDocumentBytes();

    /** How long startup waits for Kafka (topic creation, reading what was published before). */
    @WithDefault("30s")
    Duration kafkaTimeout();
}
