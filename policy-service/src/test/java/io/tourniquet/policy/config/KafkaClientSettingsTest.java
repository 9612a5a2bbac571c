package io.tourniquet.policy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tourniquet.testsupport.ClientConfigRecorder;
import io.tourniquet.testsupport.KafkaBrokerResource;
import io.tourniquet.testsupport.SharedKafkaSetting;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A security setting given once, in the service's kafka.* configuration, reaches every Kafka client it makes: its
 * channels, Kafka Streams (its consumers, producers and admin), the dead-letter producer and its raw clients. A client made any other way fails this test.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerResource.class)
@QuarkusTestResource(SharedKafkaSetting.class)
class KafkaClientSettingsTest {

    @Test
    void aSettingGivenOnceReachesEveryKafkaClientOfTheService() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                ClientConfigRecorder.assertEveryClientCarries(SharedKafkaSetting.KEY, SharedKafkaSetting.VALUE))
                .contains("kafka-producer-tourniquet.tenant-policies", "kafka-producer-tourniquet.audit", "policy-service-dead-letters")
                .anyMatch(id -> id.contains("StreamThread") && id.endsWith("-consumer"))
                .anyMatch(id -> id.contains("StreamThread") && id.endsWith("-producer")));
        assertThat(ClientConfigRecorder.clients()).extracting(ClientConfigRecorder.Client::clientId).as("short-lived raw clients too")
                .contains("tourniquet-topic-provisioner");
    }
}
