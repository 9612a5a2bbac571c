package io.tourniquet.agent.messaging;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import io.quarkus.runtime.StartupEvent;
import io.tourniquet.agent.config.AgentConfig;
import io.tourniquet.agent.domain.HostedServers;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.tourniquet.schemas.kafka.KafkaClients;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jboss.logging.Logger;

/**
 * At startup: wait until the tenant's topics exist (the agent may not create topics; the policy service onboards
 * tenants), then report each server's inventory so that the policy service can compute its desired state.
 */
@ApplicationScoped
public class AgentStartup {

    private static final Logger LOG = Logger.getLogger(AgentStartup.class);

    @Inject
    AgentConfig config;

    @Inject
    HostedServers servers;

    @Inject
    AgentEventPublisher publisher;

    @Inject
    KafkaClients kafka;

    void onStart(@Observes StartupEvent event) throws InterruptedException {
        awaitTenantTopics();
        servers.all().forEach(agent -> publisher.publish(agent.serverId(), agent.inventory()));
        LOG.infof("agent for tenant %s started: %d server(s), backend %s", config.tenant(), servers.all().size(), config.backend());
    }

    private void awaitTenantTopics() throws InterruptedException {
        Set<String> needed = Set.of(Topics.commands(config.tenant()), Topics.agentEvents(config.tenant()));
        Instant deadline = Instant.now().plus(config.kafkaTimeout());
        // raw admin client: a channel cannot ask whether a topic exists
        try (Admin admin = kafka.admin(Map.of(AdminClientConfig.CLIENT_ID_CONFIG, "tourniquet-agent-startup"))) {
            while (true) {
                try {
                    if (admin.listTopics().names().get(5, TimeUnit.SECONDS).containsAll(needed)) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    LOG.debugf("Kafka not answering yet: %s", e.getMessage());
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("topics " + needed + " not found at " + kafka.bootstrapServers() + " after "
                            + config.kafkaTimeout().toSeconds() + " s: is the broker reachable and tenant '" + config.tenant() + "' onboarded?");
                }
                TimeUnit.MILLISECONDS.sleep(500);
            }
        }
    }
}
