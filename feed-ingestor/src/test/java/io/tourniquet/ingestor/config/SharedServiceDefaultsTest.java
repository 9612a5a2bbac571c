package io.tourniquet.ingestor.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.ingestor.service.FreshFeedFolders;
import io.tourniquet.testsupport.KafkaBrokerResource;
import jakarta.inject.Inject;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * What every service gets from schemas' shared defaults (META-INF/microprofile-config.properties), seen in one
 * service: set once there, not in each service's application.properties.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@QuarkusTestResource(FreshFeedFolders.class)
class SharedServiceDefaultsTest {

    @Inject
    MeterRegistry meters;

    /** The admin client's error per topic not yet served by its leader, which TopicProvisioner handles, is off. */
    @Test
    void theLeaderLookupErrorsTopicProvisionerHandlesAreSwitchedOff() {
        assertThat(Logger.getLogger("org.apache.kafka.clients.admin.internals.PartitionLeaderStrategy").getLevel()).isEqualTo(Level.OFF);
    }

    /**
     * Micrometer's Netty binder warned at every start (a gauge registered twice); it is off, and the meters people
     * watch are still there.
     */
    @Test
    void noNettyBinderWarnsAtStartAndTheWatchedMetersRemain() {
        assertThat(meters.getMeters()).map(meter -> meter.getId().getName()).noneMatch(name -> name.startsWith("netty."))
                .contains("jvm.memory.used", "process.cpu.usage")
                .doesNotContain("kafka.consumer.fetch.manager.records.lag");
    }
}
