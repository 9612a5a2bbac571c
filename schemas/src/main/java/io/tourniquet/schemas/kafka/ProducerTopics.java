package io.tourniquet.schemas.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;

/**
 * Makes a producer learn many topics' partitions before it sends to them. A producer asks the broker for a topic's
 * partitions at its first record for that topic, and the send waits for the answer: records for hundreds of topics it
 * has not sent to yet (every tenant's, after a start) wait one metadata round trip each, one after another (7.6 s for
 * 500 tenants' topics on the bench's loaded broker). Asked side by side, the producer gathers the topics into a few
 * metadata requests; that is Kafka's own advice (KAFKA-14768, in KafkaProducer#send's documentation).
 */
public final class ProducerTopics {

    /** Topics asked at once: each asker blocks a thread until the producer's metadata request that carries it returns. */
    static final int ASKERS = 32;

    private ProducerTopics() {
    }

    /**
     * Returns once the producer knows every topic's partitions.
     *
     * @throws TimeoutException when the broker did not answer for all of them within the timeout (nothing is lost: the
     *         producer asks again at the topics' first records)
     */
    public static void learn(Producer<?, ?> producer, Collection<String> topics, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (topics.isEmpty()) {
            return;
        }
        ExecutorService askers = Executors.newFixedThreadPool(Math.min(ASKERS, topics.size()), runnable -> {
            Thread thread = new Thread(runnable, "producer-topic-metadata");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> asked = new ArrayList<>();
            for (String topic : topics) {
                asked.add(askers.submit(() -> producer.partitionsFor(topic)));
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            for (Future<?> answer : asked) {
                answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } finally {
            askers.shutdownNow();
        }
    }
}
