package io.tourniquet.ingestor.config;

import io.tourniquet.schemas.crypto.SigningKey;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The publisher key, read once; a missing or mismatched key stops the ingestor at startup with the file named. */
public class PublisherKeyProducer {

    @Produces
    @Singleton
    SigningKey publisherKey(IngestorConfig config) {
        return SigningKey.read(config.publisherKeyFile(), config.publisherPublicKeyFile());
    }
}
