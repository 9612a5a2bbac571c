package io.tourniquet.schemas.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
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
