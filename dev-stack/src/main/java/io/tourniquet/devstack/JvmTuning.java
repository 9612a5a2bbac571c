package io.tourniquet.devstack;

import java.util.List;

/** How a service's JVM is tuned: the local stack's many small JVMs, or one service as its container image runs it. */
public enum JvmTuning {

    /**
     * Many JVMs on one machine (./tourniquet up, the tests): small and quiet. A heap that starts small and gives back
     * what it does not use, the serial collector, C1 only, a small code cache and thread stacks.
     */
    SMALL(List.of("-Xms16m", "-XX:+UseSerialGC", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20", "-XX:TieredStopAtLevel=1",
            "-XX:ReservedCodeCacheSize=32m", "-Xss512k")),

    /**
     * As the services' container images run them (ubi9/openjdk-21-runtime's run-java.sh defaults, see each module's
     * Dockerfile.jvm and k8s/): the parallel collector with its heap-sizing ratios, both JIT compilers. What the
     * benchmark measures the services with, so that its figures are those of a deployment.
     */
    CONTAINER(List.of("-XX:+UseParallelGC", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20", "-XX:GCTimeRatio=4",
            "-XX:AdaptiveSizePolicyWeight=90", "-XX:+ExitOnOutOfMemoryError"));

    private final List<String> options;

    JvmTuning(List<String> options) {
        this.options = options;
    }

    List<String> options() {
        return options;
    }
}
