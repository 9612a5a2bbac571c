package io.tourniquet.schemas.topics;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.tourniquet.schemas.kafka.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the topics a service needs at startup; existing topics are left as they are. */
public final class TopicProvisioner implements AutoCloseable {

    public static final String CLIENT_ID = "tourniquet-topic-provisioner";

    private final Admin admin;
    private final Duration timeout;

    public TopicProvisioner(KafkaClients clients, Duration timeout) {
        this(clients.admin(Map.of(
                AdminClientConfig.CLIENT_ID_CONFIG, CLIENT_ID,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000))), timeout);
    }

    TopicProvisioner(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /**
     * @return the names of the topics that were created now
     * @throws IllegalStateException when the broker cannot be reached in time, with the bootstrap servers in the message
     */
    public Set<String> ensure(Collection<TopicSpec> specs) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            var missing = specs.stream().filter(s -> !existing.contains(s.name())).toList();
            if (missing.isEmpty()) {
                return Set.of();
            }
            var result = admin.createTopics(missing.stream().map(TopicSpec::toNewTopic).toList());
            Set<String> created = new HashSet<>();
            for (var entry : result.values().entrySet()) {
                try {
                    entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    created.add(entry.getKey());
                } catch (ExecutionException e) {
                    // under ACLs a principal sees only the topics it may describe: a topic it may not create either
                    // exists already (the deployment made it) or is not this service's to make; using it tells which
                    if (!(e.getCause() instanceof TopicExistsException) && !(e.getCause() instanceof TopicAuthorizationException)) {
                        throw e;
                    }
                }
            }
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topics "
                    + specs.stream().map(TopicSpec::name).toList() + " within " + timeout.toSeconds()
                    + " s: Kafka broker unreachable or refusing (" + (e.getCause() == null ? e : e.getCause()) + ")", e);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
