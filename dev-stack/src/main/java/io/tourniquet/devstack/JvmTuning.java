package io.tourniquet.devstack;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How a service's JVM is tuned: the local stack's many small JVMs, or one service as its container image runs it. */
public enum JvmTuning {

    /**
     * Many JVMs on one machine (./tourniquet up, the tests): small and quiet. A heap that starts small and gives back
     * what it does not use, the serial collector, C1 only, a small code cache and thread stacks.
     */
    SMALL("serial GC, C1 only, as ./tourniquet up runs them", List.of("-Xms16m", "-XX:+UseSerialGC", "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=20", "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=32m", "-Xss512k")),

    /**
     * As the services' container images run them (ubi9/openjdk-21-runtime's run-java.sh defaults, see each module's
     * Dockerfile.jvm and k8s/): the parallel collector with its heap-sizing ratios, both JIT compilers. On a machine of
     * their own that is what serves them best; on two cores shared with a broker and a simulated fleet, C2's compilations
     * cost more than they return (docs/BENCHMARKS.md).
     */
    CONTAINER("parallel GC, C1 and C2, as the container images run them", List.of("-XX:+UseParallelGC", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20", "-XX:GCTimeRatio=4",
            "-XX:AdaptiveSizePolicyWeight=90", "-XX:+ExitOnOutOfMemoryError"));

    private final String description;
    private final List<String> options;

    JvmTuning(String description, List<String> options) {
        this.description = description;
        this.options = options;
    }

    /** The name users give it (./tourniquet bench --service-jvm) and the figures say. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String description() {
        return description;
    }

    /** @throws IllegalArgumentException for a name that is not one of the labels */
    public static JvmTuning ofLabel(String label) {
        return Arrays.stream(values()).filter(tuning -> tuning.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("JVM settings are one of " + Arrays.stream(values()).map(JvmTuning::label).toList()
                        + ", not '" + label + "'"));
    }

    List<String> options() {
        return options;
    }
}
