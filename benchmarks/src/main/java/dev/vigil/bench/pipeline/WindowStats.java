package dev.vigil.bench.pipeline;

/**
 * One window of one series as a benchmark run reports it, for checking that the runs agree.
 *
 * @param p   nearest-rank p50, p95, p99 (vigil, naive) or interpolated ones (Flink SQL)
 * @param low for the naive run: the order statistics at floor(q·(n−1)) for q = 0.5, 0.95, 0.99
 * @param high the order statistics at ceil(q·(n−1)); an interpolated percentile must lie between the two
 */
record WindowStats(String key, long count, long errors, long hits, double[] p, double[] low, double[] high) {
    static String key(String type, String service, String name, long windowStart) {
        return type + "/" + service + "/" + name + "@" + windowStart;
    }
}
