package io.tourniquet.schemas.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * A record whose value could not be deserialized reaches a channel with a null value and SmallRye's
 * {@code deserialization-failure-*} headers (channels run with {@code fail-on-deserialization-failure=false}, so one
 * bad record neither stops the channel nor disappears): the service reads why, and the original bytes, from here.
 */
public final class UnreadableRecord {

    static final String REASON_HEADER = "deserialization-failure-reason";
    static final String DATA_HEADER = "deserialization-failure-data";

    private UnreadableRecord() {
    }

    /** Why the value could not be read; empty when it was read (or is a tombstone: null with no failure). */
    public static Optional<String> reason(ConsumerRecord<?, ?> record) {
        if (record.value() != null) {
            return Optional.empty();
        }
        return Optional.ofNullable(record.headers().lastHeader(REASON_HEADER)).map(h -> new String(h.value(), StandardCharsets.UTF_8));
    }

    /** The bytes as they were on the topic, for a dead letter; empty for a tombstone. */
    public static byte[] originalValue(ConsumerRecord<?, ?> record) {
        Header data = record.headers().lastHeader(DATA_HEADER);
        return data == null || data.value() == null ? new byte[0] : data.value();
    }

    /** topic-partition@offset, as dead letters and reports name a record. */
    public static String origin(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }
}
