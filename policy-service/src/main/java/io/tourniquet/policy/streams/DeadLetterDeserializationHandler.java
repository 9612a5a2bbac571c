package io.tourniquet.policy.streams;

import io.tourniquet.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import io.tourniquet.schemas.kafka.KafkaClients;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.jboss.logging.Logger;

/**
 * A record the policy service cannot read goes, as it was, to the policy dead-letter topic with the reason; then
 * processing goes on. If the dead letter cannot be written, processing stops rather than lose the record.
 */
public class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    private static final Logger LOG = Logger.getLogger(DeadLetterDeserializationHandler.class);
    public static final AtomicLong DEAD_LETTERED = new AtomicLong();

    private KafkaProducer<byte[], byte[]> producer;

    @Override
    public void configure(Map<String, ?> configs) {
        // Streams' own configuration: it holds the service's kafka.* settings (connection, security) like every client
        producer = KafkaClients.of(configs).producer(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.CLIENT_ID_CONFIG, "policy-service-dead-letters"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        String origin = record.topic() + "-" + record.partition() + "@" + record.offset();
        ProducerRecord<byte[], byte[]> deadLetter = new ProducerRecord<>(Topics.POLICY_DEAD_LETTERS, null, record.key(), record.value());
        deadLetter.headers().add(Topics.DLQ_REASON_HEADER, String.valueOf(exception.getMessage()).getBytes(StandardCharsets.UTF_8));
        deadLetter.headers().add(Topics.DLQ_ORIGIN_HEADER, origin.getBytes(StandardCharsets.UTF_8));
        try {
            producer.send(deadLetter).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.errorf(e, "cannot dead-letter unreadable record %s; stopping", origin);
            return DeserializationHandlerResponse.FAIL;
        }
        DEAD_LETTERED.incrementAndGet();
        LOG.warnf("unreadable record %s dead-lettered to %s: %s", origin, Topics.POLICY_DEAD_LETTERS, exception.getMessage());
        return DeserializationHandlerResponse.CONTINUE;
    }
}
