package io.tourniquet.feedtrust;

import io.tourniquet.schemas.crypto.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The catalog shipped inside this release: Tourniquet's declarative definitions of the mitigations Microsoft
 * shipped. It is trusted as part of the (signed) release artifact; its evidence is the digest of the file.
 */
public final class BundledCatalog {

    public static final String RESOURCE = "catalog/bundled-catalog.json";

    private BundledCatalog() {
    }

    public static CatalogParser.ParsedCatalog parse(int maxBytes) {
        return new CatalogParser(maxBytes).parse(bytes());
    }

    public static List<String> verifiedBy() {
        return List.of("release-artifact:sha256:" + Digests.sha256(bytes()));
    }

    static byte[] bytes() {
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
