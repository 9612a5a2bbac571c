package io.tourniquet.audit.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.WithDefault;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * While the database is away the audit service retries a batch for up to store-retry.give-up-after, then exits for its
 * service manager. Each channel's stall detector (the throttled commit's unprocessed-record-max-age) must wait longer:
 * firing first, it stops the channel and leaves a live process that consumes nothing (seen with PostgreSQL stopped for
 * 60 s in ./tourniquet faults).
 */
class ChannelTimeoutsTest {

    @Test
    void everyChannelWaitsLongerForAnAcknowledgementThanTheStoreRetries() throws Exception {
        Properties properties = new Properties();
        // the service's own file (the tests' application.properties comes first on the test class path)
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        }
        Duration giveUpAfter = Duration.parse("PT" + AuditConfig.StoreRetry.class.getMethod("giveUpAfter").getAnnotation(WithDefault.class).value()
                .toUpperCase());
        var channels = properties.stringPropertyNames().stream().filter(k -> k.startsWith("mp.messaging.incoming.") && k.endsWith(".group.id"))
                .map(k -> k.substring(0, k.length() - ".group.id".length())).toList();
        assertThat(channels).hasSize(3);
        for (String channel : channels) {
            String maxAge = properties.getProperty(channel + ".throttled.unprocessed-record-max-age.ms");
            assertThat(maxAge).as("%s has a stall detector of its own", channel).isNotNull();
            assertThat(Duration.ofMillis(Long.parseLong(maxAge))).as(channel).isGreaterThan(giveUpAfter);
        }
    }
}
