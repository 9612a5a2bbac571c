package io.tourniquet.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class ProducerTopicsTest {

    /** A producer whose metadata answers come only once as many topics are being asked at once as the test expects. */
    private static final class SlowBroker extends MockProducer<String, String> {
        final Set<String> asked = ConcurrentHashMap.newKeySet();
        final CountDownLatch sideBySide;

        SlowBroker(int expectedAtOnce) {
            super(true, null, new StringSerializer(), new StringSerializer());
            sideBySide = new CountDownLatch(expectedAtOnce);
        }

        @Override
        public List<PartitionInfo> partitionsFor(String topic) {
            asked.add(topic);
            sideBySide.countDown();
            try {
                // asked one after another, each waits out the 5 s here and the test's own timeout fails it
                sideBySide.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of();
        }
    }

    @Test
    void asksForEveryTopicSideBySide() throws Exception {
        List<String> topics = IntStream.range(0, 100).mapToObj(i -> "tourniquet.cloudevents.tenant-" + i).toList();
        SlowBroker producer = new SlowBroker(ProducerTopics.ASKERS);

        ProducerTopics.learn(producer, topics, Duration.ofSeconds(4));

        assertThat(producer.asked).containsExactlyInAnyOrderElementsOf(topics);
    }

    @Test
    void givesUpAtItsTimeoutWhenTheBrokerDoesNotAnswer() {
        // more askers needed at once than it runs: every answer waits for the slow broker's 5 s
        SlowBroker producer = new SlowBroker(ProducerTopics.ASKERS + 1);

        assertThatThrownBy(() -> ProducerTopics.learn(producer, List.of("a", "b"), Duration.ofMillis(300))).isInstanceOf(TimeoutException.class);
    }

    @Test
    void nothingToLearnAsksNothing() throws Exception {
        SlowBroker producer = new SlowBroker(1);
        ProducerTopics.learn(producer, List.of(), Duration.ofSeconds(1));
        assertThat(producer.asked).isEmpty();
    }
}
