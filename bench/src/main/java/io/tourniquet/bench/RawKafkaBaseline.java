package io.tourniquet.bench;

import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.topics.TopicProvisioner;
import io.tourniquet.schemas.topics.TopicSpec;
import io.tourniquet.schemas.topics.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Raw Kafka on the bench's broker: produce then consume records of a given size, acks=all and idempotent as the services. */
final class RawKafkaBaseline {

    private RawKafkaBaseline() {
    }

    static Map<String, Object> measure(KafkaClients kafka, int size, int count) throws Exception {
        String topic = "bench.raw";
        try (TopicProvisioner provisioner = new TopicProvisioner(kafka, Duration.ofSeconds(30))) {
            provisioner.ensure(List.of(TopicSpec.retained(topic, Topics.DEFAULT_PARTITIONS, Duration.ofHours(1))));
        }
        byte[] payload = new byte[size];
        new Random(1).nextBytes(payload);
        long start = System.nanoTime();
        try (var producer = kafka.<String, byte[]>producer(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + (i % 1000), payload));
            }
            producer.flush();
        }
        double produceSeconds = (System.nanoTime() - start) / 1e9;
        long consumeStart = System.nanoTime();
        int read = 0;
        try (var consumer = kafka.<String, byte[]>consumer(Map.of(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (read < count) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
        double consumeSeconds = (System.nanoTime() - consumeStart) / 1e9;
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("records", count);
        raw.put("recordBytes", size);
        raw.put("producePerSecond", BenchStats.round(count / produceSeconds));
        raw.put("consumePerSecond", BenchStats.round(count / consumeSeconds));
        raw.put("produceThenConsumePerSecond", BenchStats.round(count / (produceSeconds + consumeSeconds)));
        return raw;
    }
}
