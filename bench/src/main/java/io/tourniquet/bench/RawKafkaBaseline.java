package io.tourniquet.bench;

import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Bare Kafka on the bench's broker, the denominator of the pipeline's figures: for each server of the fleet one record
 * of the pipeline's measured command size and one of its result size, on topics laid out as the tenants' command and
 * agent-event topics, produced (acks=all, idempotent, as the services) and consumed at the same time.
 */
final class RawKafkaBaseline {

    private static final String PREFIX = "bench.raw.";

    private RawKafkaBaseline() {
    }

    /** The mirror of the tenants' command and event topics, created with the tenants' own (before anything is timed). */
    static List<TopicSpec> topics(int tenants) {
        List<TopicSpec> specs = new ArrayList<>();
        for (int t = 0; t < tenants; t++) {
            specs.add(TopicSpec.retained(commands(t), Topics.TENANT_PARTITIONS, Duration.ofHours(1)));
            specs.add(TopicSpec.retained(results(t), Topics.TENANT_PARTITIONS, Duration.ofHours(1)));
        }
        return specs;
    }

    private static String commands(int tenant) {
        return PREFIX + "commands." + tenant;
    }

    private static String results(int tenant) {
        return PREFIX + "results." + tenant;
    }

    static Map<String, Object> measure(KafkaClients kafka, int tenants, int servers, int commandBytes, int resultBytes) throws Exception {
        List<TopicPartition> partitions = new ArrayList<>();
        for (int t = 0; t < tenants; t++) {
            for (int p = 0; p < Topics.TENANT_PARTITIONS; p++) {
                partitions.add(new TopicPartition(commands(t), p));
                partitions.add(new TopicPartition(results(t), p));
            }
        }
        Random random = new Random(1);
        byte[] command = new byte[Math.max(1, commandBytes)];
        byte[] result = new byte[Math.max(1, resultBytes)];
        random.nextBytes(command);
        random.nextBytes(result);
        int records = 2 * servers;
        try (var consumer = kafka.<String, byte[]>consumer(Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000),
                new StringDeserializer(), new ByteArrayDeserializer());
                var producer = kafka.<String, byte[]>producer(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                        ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            // the producer learns every topic's leader before the clock starts, as the policy's producer does at start
            // (CommandTopicMetadataWarmer): a first send to an unknown topic waits for its metadata
            partitions.stream().map(TopicPartition::topic).distinct().forEach(producer::partitionsFor);
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // from here on: only what this run writes
            long start = System.nanoTime();
            CompletableFuture<Long> produced = CompletableFuture.supplyAsync(() -> {
                for (int s = 0; s < servers; s++) {
                    int tenant = s % tenants;
                    producer.send(new ProducerRecord<>(commands(tenant), "exch" + s, command));
                    producer.send(new ProducerRecord<>(results(tenant), "exch" + s, result));
                }
                producer.flush();
                return System.nanoTime();
            });
            int read = 0;
            long deadline = System.currentTimeMillis() + Duration.ofMinutes(5).toMillis();
            while (read < records && System.currentTimeMillis() < deadline) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double producedSeconds = (produced.join() - start) / 1e9;
            if (read < records) {
                throw new IllegalStateException("raw Kafka baseline: " + read + " of " + records + " records consumed within 5 minutes");
            }
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("records", records);
            raw.put("recordBytes", Map.of("command", command.length, "result", result.length));
            raw.put("topics", 2 * tenants + " (a command and a result topic per tenant, " + Topics.TENANT_PARTITIONS + " partition each)");
            raw.put("clients", "one producer and one consumer, running together");
            raw.put("fleetTimeMs", Math.round(seconds * 1000));
            raw.put("producedMs", Math.round(producedSeconds * 1000));
            raw.put("recordsPerSecond", BenchStats.round(records / seconds));
            raw.put("serversPerSecond", BenchStats.round(servers / seconds));
            return raw;
        }
    }
}
