package io.tourniquet.agent.backend;

import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.actions.ActionType;
import io.tourniquet.schemas.crypto.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * A server without Windows, for the local demo, the fleet benchmark and crash tests: it records which definitions are
 * in force (in memory, or in a file that outlives the agent process like a real server's configuration), counts how
 * often each was applied, takes a configurable time to apply (the change is made first, then the time passes, as when
 * a real backend verifies), and fails a configurable share of applies.
 */
public class SimulatedBackend implements Backend {

    private static final String APPLIED_COUNT = "applied-count.";

    private final TreeMap<String, String> inForce = new TreeMap<>();
    private final Map<String, Integer> appliedCount = new TreeMap<>();
    private final ServerFacts facts;
    private final double failureRate;
    private final RandomGenerator random;
    private final Duration applyLatency;
    private final Optional<Path> file;

    /** A simulated Exchange 2019 CU11 server with no security update. */
    public SimulatedBackend(double failureRate, RandomGenerator random) {
        this(failureRate, random, Duration.ZERO, Optional.empty(), ServerFacts.read("15.2.986.5", List.of()));
    }

    /**
     * @param file  where this simulated server's configuration is kept; empty: memory only
     * @param facts the build and updates this simulated server reports
     */
    public SimulatedBackend(double failureRate, RandomGenerator random, Duration applyLatency, Optional<Path> file, ServerFacts facts) {
        this.facts = facts;
        this.failureRate = failureRate;
        this.random = random;
        this.applyLatency = applyLatency;
        this.file = file;
        file.filter(Files::exists).ifPresent(this::load);
    }

    @Override
    public String name() {
        return "simulated";
    }

    /** A simulated server carries out every action of the vocabulary (it records the definition, changes nothing real). */
    @Override
    public ActionSupport shadowMode() {
        return ActionSupport.SUPPORTED;
    }

    @Override
    public ActionSupport support(ActionType type) {
        return switch (type) {
            case BLOCK_REQUESTS, REWRITE_RESPONSE_HEADER, DISABLE_SERVICE, DISABLE_APP_POOL, DISABLE_VIRTUAL_DIRECTORY,
                    SET_AUTHENTICATION, HEARTBEAT -> ActionSupport.SUPPORTED;
        };
    }

    @Override
    public ChangeEvidence apply(MitigationDefinition definition) throws BackendException {
        String before;
        synchronized (this) {
            if (failureRate > 0 && random.nextDouble() < failureRate) {
                throw new BackendException("simulated failure applying " + definition.getId(), "not-needed: nothing was changed");
            }
            requireSupported(definition);
            before = digest();
            inForce.put(definition.getId(), Digests.of(definition));
            appliedCount.merge(definition.getId(), 1, Integer::sum);
            save();
        }
        if (!applyLatency.isZero()) {
            try {
                Thread.sleep(applyLatency.toMillis()); // the configured time a real backend needs to verify its change
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendException("interrupted while applying " + definition.getId(), "none: the change was made");
            }
        }
        return evidence("put " + definition.getId() + " r" + definition.getRevision() + " in force (" + definition.getActions().size() + " actions)", before);
    }

    @Override
    public synchronized ChangeEvidence applyShadow(MitigationDefinition definition) {
        String before = digest();
        inForce.put(definition.getId(), "shadow:" + Digests.of(definition));
        save();
        return evidence("deployed " + definition.getId() + " r" + definition.getRevision() + " log-only (shadow mode): nothing blocked", before);
    }

    @Override
    public synchronized ChangeEvidence remove(MitigationDefinition definition) {
        String before = digest();
        String removed = inForce.remove(definition.getId());
        save();
        return evidence(removed == null ? definition.getId() + " was not in force" : "removed " + definition.getId(), before);
    }

    @Override
    public synchronized boolean inForce(MitigationDefinition definition) {
        return Digests.of(definition).equals(inForce.get(definition.getId()));
    }

    /** How many times a definition was applied on this simulated server: what "applied exactly once" is checked by. */
    public synchronized int appliedCount(String mitigationId) {
        return appliedCount.getOrDefault(mitigationId, 0);
    }

    /** Takes a mitigation out as an admin editing the configuration by hand would: what drift checks find. */
    public synchronized void removeByHand(String mitigationId) {
        inForce.remove(mitigationId);
        save();
    }

    @Override
    public Map<String, String> prerequisites() {
        return Map.of("simulated", "1");
    }

    @Override
    public ServerFacts facts() {
        return facts;
    }

    private synchronized ChangeEvidence evidence(String change, String before) {
        return ChangeEvidence.newBuilder()
                .setBackend(name())
                .setChanges(List.of(change))
                .setDigestBefore(before)
                .setDigestAfter(digest())
                .setVerification("re-read the simulated configuration")
                .build();
    }

    private String digest() {
        return Digests.sha256(inForce.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void load(Path path) {
        Properties properties = new Properties();
        try (var in = Files.newInputStream(path)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read simulated server " + path, e);
        }
        properties.stringPropertyNames().forEach(key -> {
            if (key.startsWith(APPLIED_COUNT)) {
                appliedCount.put(key.substring(APPLIED_COUNT.length()), Integer.parseInt(properties.getProperty(key)));
            } else {
                inForce.put(key, properties.getProperty(key));
            }
        });
    }

    private void save() {
        if (file.isEmpty()) {
            return;
        }
        Properties properties = new Properties();
        properties.putAll(inForce);
        appliedCount.forEach((id, count) -> properties.setProperty(APPLIED_COUNT + id, Integer.toString(count)));
        Path temp = file.get().resolveSibling(file.get().getFileName() + ".tmp");
        try (var out = Files.newOutputStream(temp)) {
            properties.store(out, "simulated server: mitigations in force (id=digest) and how often each was applied");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write simulated server " + file.get(), e);
        }
        try {
            Files.move(temp, file.get(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write simulated server " + file.get(), e);
        }
    }
}
