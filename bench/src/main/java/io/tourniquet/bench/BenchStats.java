package io.tourniquet.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The benchmark's arithmetic: nearest-rank percentiles, rates, rounding for the JSON figures. */
final class BenchStats {

    private BenchStats() {
    }

    /** count, p50, p95, p99 and max of the values (nearest rank); only count when there are none. */
    static Map<String, Object> percentiles(Collection<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("count", sorted.size());
        if (!sorted.isEmpty()) {
            p.put("p50", rank(sorted, 50));
            p.put("p95", rank(sorted, 95));
            p.put("p99", rank(sorted, 99));
            p.put("max", sorted.get(sorted.size() - 1));
        }
        return p;
    }

    static long rank(List<Long> sorted, double percentile) {
        return sorted.get(Math.max(1, (int) Math.ceil(percentile / 100 * sorted.size())) - 1);
    }

    static double rate(long count, long millis) {
        return round(count * 1000.0 / Math.max(1, millis));
    }

    static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
