package io.tourniquet.audit.domain;

import java.util.List;

/** Nearest-rank percentiles: the value at rank ceil(p/100 × n) of the sorted sample (what auditors can recompute by hand). */
public final class Percentiles {

    private Percentiles() {
    }

    public static Long of(List<Long> sorted, double percentile) {
        if (sorted.isEmpty()) {
            return null;
        }
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.size());
        return sorted.get(Math.max(1, rank) - 1);
    }
}
