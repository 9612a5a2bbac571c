package io.tourniquet.schemas.topics;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * A topic with explicit settings. Replication and {@code min.insync.replicas} are the cluster's (1 and 1 on the local
 * broker, 3 and 2 on Strimzi and with --brokers=3): a topic-level minimum would override the cluster's and let an
 * acks=all write be acknowledged by a single replica.
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {

    public static TopicSpec compacted(String name, int partitions) {
        return new TopicSpec(name, partitions, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0"));
    }

    public static TopicSpec retained(String name, int partitions, Duration retention) {
        return new TopicSpec(name, partitions, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis())));
    }

    public NewTopic toNewTopic() {
        return new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(configs);
    }
}
