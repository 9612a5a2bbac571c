package io.tourniquet.policy.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.Test;

/**
 * A read that a rebalance interrupts (onboarding a tenant adds topics to the subscription) is run again instead of
 * answering 500: PipelineIT met "Cannot get state store policies because the stream thread is PARTITIONS_ASSIGNED"
 * from an offboarding request while the instance still said RUNNING.
 */
class TopologyStoresTest {

    @Test
    void aReadThatARebalanceInterruptsIsRunAgain() {
        AtomicInteger attempts = new AtomicInteger();
        String answer = new TopologyStores().read(() -> {
            if (attempts.incrementAndGet() < 3) {
                throw new InvalidStateStoreException("Cannot get state store policies because the stream thread is PARTITIONS_ASSIGNED, not RUNNING");
            }
            return "the tenant's policy";
        });
        assertThat(answer).isEqualTo("the tenant's policy");
        assertThat(attempts).hasValue(3);
    }
}
