package io.tourniquet.ingestor.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.ingestor.service.FreshFeedFolders;
import io.tourniquet.testsupport.KafkaBrokerResource;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The services' Kafka logging is set once, in schemas' shared defaults (META-INF/microprofile-config.properties), not
 * in each service: the admin client's error per topic not yet served by its leader, which TopicProvisioner handles,
 * is off in the service.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@QuarkusTestResource(FreshFeedFolders.class)
class KafkaClientLoggingTest {

    @Test
    void theSharedDefaultsSwitchOffTheLeaderLookupErrorsTopicProvisionerHandles() {
        assertThat(Logger.getLogger("org.apache.kafka.clients.admin.internals.PartitionLeaderStrategy").getLevel()).isEqualTo(Level.OFF);
    }
}
