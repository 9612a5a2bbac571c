package io.tourniquet.policy.domain;

import java.util.Arrays;

/** A dotted product build such as Exchange's 15.2.1118.20, compared part by part as numbers. */
public record BuildNumber(int[] parts) implements Comparable<BuildNumber> {

    public static BuildNumber parse(String build) {
        try {
            return new BuildNumber(Arrays.stream(build.strip().split("\\.")).mapToInt(Integer::parseInt).toArray());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a build number: '" + build + "'", e);
        }
    }

    @Override
    public int compareTo(BuildNumber other) {
        for (int i = 0; i < Math.max(parts.length, other.parts.length); i++) {
            int a = i < parts.length ? parts[i] : 0;
            int b = i < other.parts.length ? other.parts[i] : 0;
            if (a != b) {
                return Integer.compare(a, b);
            }
        }
        return 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BuildNumber b && compareTo(b) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(parts);
    }
}
