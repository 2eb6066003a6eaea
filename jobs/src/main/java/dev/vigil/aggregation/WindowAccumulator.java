package dev.vigil.aggregation;

import dev.vigil.events.EventType;
import dev.vigil.events.MetricEvent;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What one window of one series has seen so far: counters, exact min/max/sum of durations, and a
 * latency histogram. Never a list of raw values: its size depends on how spread the latencies are,
 * not on how many events arrived.
 *
 * <p>Mutable, as Flink's {@code AggregateFunction} accumulators are; Flink stores it with
 * {@link WindowAccumulatorSerializer} (see the {@link TypeInfo} annotation), never with Kryo.
 */
@TypeInfo(WindowAccumulatorSerializer.TypeInfoFactory.class)
public final class WindowAccumulator {

    long count;
    long errors;
    long hits;
    long misses;
    /** Events that carried a duration (a cache access may not). */
    long timed;
    /** Sum of durations in integer nanoseconds: exact and order-independent, unlike a double sum. */
    long sumNanos;
    double minMs = Double.POSITIVE_INFINITY;
    double maxMs = Double.NEGATIVE_INFINITY;
    LatencyHistogram latency = new LatencyHistogram();

    public void add(MetricEvent e) {
        count++;
        if (e.error()) {
            errors++;
        }
        if (e.type() == EventType.CACHE) {
            if (e.hit()) {
                hits++;
            } else {
                misses++;
            }
        }
        if (e.hasDuration()) {
            double d = e.durationMs();
            timed++;
            sumNanos += Math.round(d * 1_000_000.0);
            minMs = Math.min(minMs, d);
            maxMs = Math.max(maxMs, d);
            latency.recordMillis(d);
        }
    }

    /** Adds everything {@code other} has seen; {@code other} is left unchanged. */
    public void merge(WindowAccumulator other) {
        count += other.count;
        errors += other.errors;
        hits += other.hits;
        misses += other.misses;
        timed += other.timed;
        sumNanos += other.sumNanos;
        minMs = Math.min(minMs, other.minMs);
        maxMs = Math.max(maxMs, other.maxMs);
        latency.add(other.latency);
    }

    public long count() {
        return count;
    }

    public long errors() {
        return errors;
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    public long timed() {
        return timed;
    }

    public double minMs() {
        return timed == 0 ? Double.NaN : minMs;
    }

    public double maxMs() {
        return timed == 0 ? Double.NaN : maxMs;
    }

    public double meanMs() {
        return timed == 0 ? Double.NaN : sumNanos / 1_000_000.0 / timed;
    }

    /**
     * The nearest-rank q-quantile in ms, clamped to the exact min and max (the histogram bucket's upper
     * edge may lie above the largest value actually seen). NaN without durations.
     */
    public double quantileMs(double q) {
        return clampMs(latency.quantileMillis(q));
    }

    /** A histogram quantile clamped to the exact min and max seen (see {@link #quantileMs}). */
    public double clampMs(double quantileMs) {
        return timed == 0 ? Double.NaN : Math.max(minMs, Math.min(maxMs, quantileMs));
    }

    public LatencyHistogram latency() {
        return latency;
    }

    WindowAccumulator copy() {
        WindowAccumulator c = new WindowAccumulator();
        c.count = count;
        c.errors = errors;
        c.hits = hits;
        c.misses = misses;
        c.timed = timed;
        c.sumNanos = sumNanos;
        c.minMs = minMs;
        c.maxMs = maxMs;
        c.latency = latency.copy();
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowAccumulator a && count == a.count && errors == a.errors && hits == a.hits
                && misses == a.misses && timed == a.timed && sumNanos == a.sumNanos
                && Double.compare(minMs, a.minMs) == 0 && Double.compare(maxMs, a.maxMs) == 0
                && latency.equals(a.latency);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(count) * 31 + Long.hashCode(errors);
    }

    @Override
    public String toString() {
        return "WindowAccumulator{count=" + count + ", errors=" + errors + ", hits=" + hits + ", misses=" + misses
                + ", timed=" + timed + ", mean=" + meanMs() + "}";
    }
}
