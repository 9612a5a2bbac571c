package io.tourniquet.agent.backend;

import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.crypto.Digests;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * A server in memory, for the local demo and the fleet benchmark: it records which definitions are in force and
 * fails a configurable share of applies, so that failure handling can be seen without Windows.
 */
public class SimulatedBackend implements Backend {

    private final TreeMap<String, String> inForce = new TreeMap<>();
    private final double failureRate;
    private final RandomGenerator random;

    public SimulatedBackend(double failureRate, RandomGenerator random) {
        this.failureRate = failureRate;
        this.random = random;
    }

    @Override
    public String name() {
        return "simulated";
    }

    @Override
    public synchronized ChangeEvidence apply(MitigationDefinition definition) throws BackendException {
        if (failureRate > 0 && random.nextDouble() < failureRate) {
            throw new BackendException("simulated failure applying " + definition.getId(), "not-needed: nothing was changed");
        }
        String before = digest();
        inForce.put(definition.getId(), Digests.of(definition));
        return evidence("put " + definition.getId() + " r" + definition.getRevision() + " in force (" + definition.getActions().size() + " actions)", before);
    }

    @Override
    public synchronized ChangeEvidence remove(MitigationDefinition definition) {
        String before = digest();
        String removed = inForce.remove(definition.getId());
        return evidence(removed == null ? definition.getId() + " was not in force" : "removed " + definition.getId(), before);
    }

    @Override
    public synchronized boolean inForce(MitigationDefinition definition) {
        return Digests.of(definition).equals(inForce.get(definition.getId()));
    }

    @Override
    public Map<String, String> prerequisites() {
        return Map.of("simulated", "1");
    }

    private ChangeEvidence evidence(String change, String before) {
        return ChangeEvidence.newBuilder()
                .setBackend(name())
                .setChanges(List.of(change))
                .setDigestBefore(before)
                .setDigestAfter(digest())
                .setVerification("re-read in-memory configuration")
                .build();
    }

    private String digest() {
        return Digests.sha256(inForce.toString().getBytes(StandardCharsets.UTF_8));
    }
}
