package io.tourniquet.schemas.topics;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** A topic with explicit settings; replication follows the broker default (1 locally, 3 on Strimzi). */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {

    public static TopicSpec compacted(String name, int partitions) {
        return new TopicSpec(name, partitions, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0",
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "1"));
    }

    public static TopicSpec retained(String name, int partitions, Duration retention) {
        return new TopicSpec(name, partitions, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()),
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "1"));
    }

    public NewTopic toNewTopic() {
        return new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(configs);
    }
}
