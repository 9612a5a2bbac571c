package io.tourniquet.policy.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Spreads a change for every tenant over transactions: at most {@link Settings#serversPerTransaction()} servers are
 * decided per process() call or punctuation, the tenants left over wait in the changelogged {@code pending} store.
 */
final class FanOut {

    /** How a change for every tenant is spread over transactions. */
    record Settings(int serversPerTransaction, Duration interval) {
        static final Settings DEFAULT = new Settings(1000, Duration.ofMillis(20));
    }

    /** A tenant still to decide for a mitigation. */
    record Pending(String tenant, String mitigationId) {
    }

    private final Settings settings;
    private final KeyValueStore<String, String> pending;
    /** Servers that may still be decided in the current process() call or punctuation. */
    private int budget;

    FanOut(Settings settings, ProcessorContext<?, ?> context) {
        this.settings = settings;
        this.pending = context.getStateStore(PolicyTopology.PENDING_STORE);
    }

    Settings settings() {
        return settings;
    }

    /** A new process() call or punctuation: a fresh budget. */
    void startBatch() {
        budget = settings.serversPerTransaction();
    }

    boolean hasBudget() {
        return budget > 0;
    }

    void spend(int servers) {
        budget -= servers;
    }

    void defer(String tenant, String mitigationId) {
        pending.put(key(tenant, mitigationId), mitigationId);
    }

    /** Takes (removes from the store) the pending tenants this batch's budget allows, in key order. */
    List<Pending> take() {
        List<String> keys = new ArrayList<>();
        try (var all = pending.all()) {
            while (all.hasNext() && keys.size() < budget) {
                keys.add(all.next().key);
            }
        }
        List<Pending> taken = new ArrayList<>(keys.size());
        for (String key : keys) {
            int separator = key.indexOf('|');
            taken.add(new Pending(key.substring(0, separator), key.substring(separator + 1)));
        }
        return taken;
    }

    void done(Pending decided) {
        pending.delete(key(decided.tenant(), decided.mitigationId()));
    }

    /** Tenant ids are topic-name safe (no '|'), so the first '|' separates them from the mitigation id. */
    private static String key(String tenant, String mitigationId) {
        return tenant + "|" + mitigationId;
    }
}
