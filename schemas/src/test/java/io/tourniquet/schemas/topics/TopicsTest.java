package io.tourniquet.schemas.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void tenantTopicsAreNamedForTheTenantAndRejectIdsThatCouldEscapeIt() {
        assertThat(Topics.commands("acme")).isEqualTo("tourniquet.commands.acme");
        assertThat(Topics.tenantOf(Topics.agentEvents("acme"))).isEqualTo("acme");
        assertThat(Topics.AGENT_EVENTS_PATTERN.matcher(Topics.agentEvents("acme-2")).matches()).isTrue();
        for (String bad : List.of("", "ACME", "acme.other", "acme*", "-acme", "a".repeat(64))) {
            assertThatThrownBy(() -> Topics.commands(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid tenant id");
        }
    }

    @Test
    void mitigationsAreCompactedAndTenantTopicsRetainAWeek() {
        TopicSpec mitigations = Topics.central().stream().filter(s -> s.name().equals(Topics.MITIGATIONS)).findFirst().orElseThrow();
        assertThat(mitigations.configs()).containsEntry("cleanup.policy", "compact");
        assertThat(Topics.tenant("acme")).allSatisfy(s -> assertThat(s.configs())
                .containsEntry("cleanup.policy", "delete").containsEntry("retention.ms", Long.toString(Duration.ofDays(7).toMillis())));
    }

    @Test
    void thousandsOfTenantTopicsAreCreatedInRequestsKRaftAccepts() {
        // 1,500 tenants: KRaft refused the single request of the 2026-12-04 bench (502 tenants and 1,000 more topics)
        List<TopicSpec> topics = new ArrayList<>();
        for (int t = 0; t < 1_500; t++) {
            topics.addAll(Topics.tenant(String.format("tenant-%04d", t)));
        }
        topics.add(new TopicSpec("huge", 6_000, Map.of()));

        List<List<TopicSpec>> slices = TopicProvisioner.slices(topics);

        assertThat(slices.stream().flatMap(List::stream).toList()).as("every topic, once, in order").isEqualTo(topics);
        assertThat(slices).hasSizeGreaterThan(1);
        assertThat(slices.subList(0, slices.size() - 1)).allSatisfy(slice -> assertThat(slice.stream()
                .mapToInt(s -> 1 + s.partitions() + s.configs().size()).sum()).isLessThanOrEqualTo(5_000));
        assertThat(slices.get(slices.size() - 1)).as("a topic larger than a request goes alone").extracting(TopicSpec::name).containsExactly("huge");
    }

    @Test
    void replicationIsTheClustersSoThatAcksAllWaitsForItsMinimumOfInSyncReplicas() {
        // a topic-level min.insync.replicas=1 overrode the cluster's 2: one replica could acknowledge an acks=all write
        List<TopicSpec> all = new ArrayList<>(Topics.central());
        all.addAll(Topics.tenant("acme"));
        assertThat(all).allSatisfy(s -> assertThat(s.configs()).doesNotContainKey("min.insync.replicas"));
        assertThat(all).allSatisfy(s -> assertThat(s.toNewTopic().replicationFactor()).as("the cluster's default").isEqualTo((short) -1));
    }

    @Test
    void anUnreachableBrokerIsAClearStartupError() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (TopicProvisioner provisioner = new TopicProvisioner(io.tourniquet.schemas.kafka.KafkaClients.plaintext("127.0.0.1:" + closedPort), Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> provisioner.ensure(Topics.central()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Kafka broker unreachable")
                    .hasMessageContaining(Topics.MITIGATIONS);
        }
    }
}
