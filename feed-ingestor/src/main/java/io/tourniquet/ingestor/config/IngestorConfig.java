package io.tourniquet.ingestor.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

@ConfigMapping(prefix = "tourniquet.ingestor")
public interface IngestorConfig {

    /** Publish the catalog bundled with this release at startup. */
    @WithDefault("true")
    boolean bundledCatalogEnabled();

    /** Feed documents above this size are rejected before parsing. */
    @WithDefault("1048576")
    int maxDocumentBytes();

    /**
     * The publisher key (Ed25519, PKCS#8 PEM) that signs every definition this ingestor publishes: the second
     * authority beside the policy service's command key, so that a stolen policy key alone cannot introduce or alter
     * a definition. Agents pin its public key.
     */
    Path publisherKeyFile();

    /** The publisher key's public half (X.509 PEM), checked against the private key at startup. */
    Path publisherPublicKeyFile();

    /** How long startup waits for Kafka (topic creation, reading what was published before). */
    @WithDefault("30s")
    Duration kafkaTimeout();

    /** CISA's Known Exploited Vulnerabilities catalog: marks the CVEs our mitigations address as exploited. */
    Kev kev();

    interface Kev {
        /** A file or an https URL of the catalog in CISA's JSON format; absent: no exploitation data. */
        Optional<String> location();

        @WithDefault("6h")
        Duration pollInterval();
    }

    /** The feeds this ingestor trusts, by feed id. */
    Map<String, Feed> feeds();

    interface Feed {

        /** tourniquet (our Ed25519-signed JSON) or eocs (Microsoft's EM feed). */
        Format format();

        /** An http(s) URL polled on the interval, a file, or a folder whose files are read; absent: push only. */
        Optional<String> location();

        @WithDefault("60s")
        Duration pollInterval();

        /** tourniquet feeds: the trusted public keys (X.509 PEM files). */
        Optional<List<Path>> trustedKeys();

        /** tourniquet feeds: how many distinct trusted keys must sign. */
        @WithDefault("1")
        int threshold();

        /** eocs feeds: SHA-256 fingerprints of the pinned signing trust anchors (default: Microsoft Root Certificate Authority 2011). */
        Optional<Set<String>> signingAnchors();

        /** eocs feeds: SHA-256 fingerprints of the pinned timestamping anchors (default: Microsoft Time-Stamp PCA 2010). */
        Optional<Set<String>> timestampAnchors();
    }

    enum Format { TOURNIQUET, EOCS }
}
