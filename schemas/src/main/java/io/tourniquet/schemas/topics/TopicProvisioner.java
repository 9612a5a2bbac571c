package io.tourniquet.schemas.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.tourniquet.schemas.kafka.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidMetadataException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the topics a service needs at startup; existing topics are left as they are. */
public final class TopicProvisioner implements AutoCloseable {

    public static final String CLIENT_ID = "tourniquet-topic-provisioner";

    /**
     * KRaft refuses a request that would write more than 10,000 metadata records at once ("Unable to perform excessively
     * large batch operation"); a request is kept to half of that.
     */
    static final int RECORDS_PER_REQUEST = 5_000;

    /** How long to wait before asking again about new topics that are not served yet. */
    private static final long METADATA_RETRY_MS = 100;

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
     * @return the names of the topics that were created now; their leaders already take records
     * @throws IllegalStateException when the broker cannot be reached in time, with the bootstrap servers in the message
     */
    public Set<String> ensure(Collection<TopicSpec> specs) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<TopicSpec> missing = specs.stream().filter(s -> !existing.contains(s.name())).toList();
            Set<String> created = new HashSet<>();
            for (List<TopicSpec> slice : slices(missing)) {
                created.addAll(create(slice));
            }
            awaitLeaders(missing.stream().filter(spec -> created.contains(spec.name())).toList());
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            List<String> names = specs.stream().map(TopicSpec::name).toList();
            throw new IllegalStateException("cannot create topics " + (names.size() <= 10 ? names : names.subList(0, 10) + " and " + (names.size() - 10)
                    + " more") + " within " + timeout.toSeconds() + " s: Kafka broker unreachable or refusing (" + (e.getCause() == null ? e : e.getCause()) + ")", e);
        }
    }

    /**
     * The topics in order, in requests of at most {@link #RECORDS_PER_REQUEST} metadata records each (a topic record, a
     * record per partition and one per config); a topic larger than that goes alone.
     */
    static List<List<TopicSpec>> slices(List<TopicSpec> topics) {
        List<List<TopicSpec>> slices = new ArrayList<>();
        List<TopicSpec> slice = new ArrayList<>();
        int records = 0;
        for (TopicSpec topic : topics) {
            int size = 1 + topic.partitions() + topic.configs().size();
            if (!slice.isEmpty() && records + size > RECORDS_PER_REQUEST) {
                slices.add(slice);
                slice = new ArrayList<>();
                records = 0;
            }
            slice.add(topic);
            records += size;
        }
        if (!slice.isEmpty()) {
            slices.add(slice);
        }
        return slices;
    }

    private Set<String> create(List<TopicSpec> slice) throws InterruptedException, ExecutionException, TimeoutException {
        var result = admin.createTopics(slice.stream().map(TopicSpec::toNewTopic).toList());
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
    }

    /**
     * Returns once every partition's leader serves it. A topic is created once the controller has it; the brokers learn
     * of it a moment later, and its leader serves it a moment after that. A record sent in between is answered
     * NOT_LEADER_OR_FOLLOWER (27 of 500 new tenant topics in a bench run), which an idempotent producer could turn into
     * OUT_OF_ORDER_SEQUENCE_NUMBER retries for 30 s and more. So they are asked until every leader answers for its
     * partitions' end offsets. A broker that has not heard of a topic yet, or a leader that does not host its partition
     * yet, answers UNKNOWN_TOPIC_OR_PARTITION, which the admin client does not retry: asked again here (the bench's
     * 2,004 new topics: 24 asks, 2.4 s).
     */
    private void awaitLeaders(List<TopicSpec> created) throws InterruptedException, ExecutionException, TimeoutException {
        if (created.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        for (TopicSpec topic : created) {
            for (int partition = 0; partition < topic.partitions(); partition++) {
                partitions.put(new TopicPartition(topic.name(), partition), OffsetSpec.latest());
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                admin.listOffsets(partitions).all().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return;
            } catch (ExecutionException e) {
                // not known or not hosted yet: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER and the like
                if (!(e.getCause() instanceof InvalidMetadataException) || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(METADATA_RETRY_MS);
            }
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
