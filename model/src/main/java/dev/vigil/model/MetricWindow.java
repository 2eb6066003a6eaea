package dev.vigil.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One row of {@code metric_windows}: the result of one window for one series.
 *
 * <p>Latency fields are NaN (stored as NULL) when no event of the window carried a duration; the
 * cache fields are null for other types.
 *
 * @param windowStart  epoch ms, inclusive
 * @param windowEnd    epoch ms, exclusive
 * @param latencyHist  the histogram as in the {@code latency_hist} column (one number per bucket,
 *                     {@code bucket_index << 40 | count}), or null
 */
public record MetricWindow(
        String type,
        String service,
        String name,
        long windowStart,
        long windowEnd,
        long count,
        long errors,
        Long hits,
        Long misses,
        double minMs,
        double meanMs,
        double p50Ms,
        double p90Ms,
        double p95Ms,
        double p99Ms,
        double p999Ms,
        double maxMs,
        long[] latencyHist) {

    /** The name of a (type, service) rollup row. */
    public static final String ROLLUP_NAME = "*";

    public double errorRate() {
        return count == 0 ? 0.0 : (double) errors / count;
    }

    /** hits / (hits + misses), or null when this is not a cache series or nothing was looked up. */
    public Double hitRate() {
        if (hits == null || misses == null || hits + misses == 0) {
            return null;
        }
        return (double) hits / (hits + misses);
    }

    /** The same row without its histogram: all a rule judges, in a fraction of the bytes. */
    public MetricWindow withoutHistogram() {
        return latencyHist == null ? this : new MetricWindow(type, service, name, windowStart, windowEnd, count, errors,
                hits, misses, minMs, meanMs, p50Ms, p90Ms, p95Ms, p99Ms, p999Ms, maxMs, null);
    }

    /**
     * The row's primary key (type, service, name, window_start, window_end) as one string: the sink keys
     * its input by it so every version of a row reaches one writer, which keeps the newest per key.
     */
    public String primaryKey() {
        return CompositeKey.of(type, service, name, Long.toString(windowStart), Long.toString(windowEnd));
    }

    public boolean isRollup() {
        return ROLLUP_NAME.equals(name);
    }

    /** Records compare arrays by reference; rows are values, so compare the histogram's content. */
    @Override
    public boolean equals(Object o) {
        return o instanceof MetricWindow w && windowStart == w.windowStart && windowEnd == w.windowEnd
                && count == w.count && errors == w.errors && type.equals(w.type) && service.equals(w.service)
                && name.equals(w.name) && Objects.equals(hits, w.hits) && Objects.equals(misses, w.misses)
                && Double.compare(minMs, w.minMs) == 0 && Double.compare(meanMs, w.meanMs) == 0
                && Double.compare(p50Ms, w.p50Ms) == 0 && Double.compare(p90Ms, w.p90Ms) == 0
                && Double.compare(p95Ms, w.p95Ms) == 0 && Double.compare(p99Ms, w.p99Ms) == 0
                && Double.compare(p999Ms, w.p999Ms) == 0 && Double.compare(maxMs, w.maxMs) == 0
                && Arrays.equals(latencyHist, w.latencyHist);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, service, name, windowStart, windowEnd, count, errors);
    }

    @Override
    public String toString() {
        return "MetricWindow[" + type + "/" + service + "/" + name + " @" + windowStart + "-" + windowEnd
                + " count=" + count + " errors=" + errors + " hits=" + hits + " misses=" + misses
                + " p50=" + p50Ms + " p95=" + p95Ms + " p99=" + p99Ms + " max=" + maxMs + "]";
    }
}
