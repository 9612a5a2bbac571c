package io.tourniquet.policy.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Read access to the policy topology's stores for the admin API. */
@ApplicationScoped
public class TopologyStores {

    private static final Duration STORE_WAIT = Duration.ofSeconds(15);

    @Inject
    KafkaStreams streams;

    /**
     * A store of the topology, for a query run through {@link #read}: while the instance is not RUNNING the lookup
     * fails with InvalidStateStoreException, which {@link #read} waits out.
     */
    public <V> ReadOnlyKeyValueStore<String, V> get(String name) {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            throw new InvalidStateStoreException("the policy topology is " + streams.state());
        }
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    /**
     * A read of the stores, run again (bounded) while they are being rebuilt. Onboarding a tenant adds topics to the
     * pattern subscription and so a short rebalance, which can take a store away in the middle of a read: the
     * instance's state can still say RUNNING while one of its stream threads already gave its partitions up.
     */
    public <T> T read(Supplier<T> query) {
        long deadline = System.nanoTime() + STORE_WAIT.toNanos();
        while (true) {
            try {
                return query.get();
            } catch (InvalidStateStoreException e) {
                pauseUntil(deadline);
            }
        }
    }

    private void pauseUntil(long deadline) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the policy topology is " + streams.state() + " (stores being rebuilt); try again shortly");
        }
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the policy topology");
        }
    }
}
