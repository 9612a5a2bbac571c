package io.tourniquet.ingestor.domain;

import io.tourniquet.ingestor.config.IngestorConfig;
import io.tourniquet.schemas.crypto.Digests;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The catalog shipped inside this release. It is trusted because it is part of the signed release artifact,
 * and its evidence says so: the digest of the catalog file.
 */
@ApplicationScoped
public class BundledCatalog {

    static final String RESOURCE = "catalog/bundled-catalog.json";

    @Inject
    IngestorConfig config;

    public CatalogParser.ParsedCatalog catalog() {
        return new CatalogParser(config.maxDocumentBytes()).parse(bytes());
    }

    /** The bundled catalog is trusted as part of the release artifact; its digest is the evidence. */
    public List<String> verifiedBy() {
        return List.of("release-artifact:sha256:" + Digests.sha256(bytes()));
    }

    private static byte[] bytes() {
        try (InputStream in = BundledCatalog.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled catalog missing from the release: " + RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
