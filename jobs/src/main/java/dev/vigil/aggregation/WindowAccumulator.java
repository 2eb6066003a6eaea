package dev.vigil.aggregation;

import dev.vigil.events.EventType;
import dev.vigil.events.MetricEvent;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What one window of one series has seen so far: counters, exact min/max/sum of durations, and a
 * latency histogram. Small while it has seen little (a few bytes per duration), then bounded by how
 * spread the latencies are, never by how many events arrived ({@link LatencyHistogram}).
 *
 * <p>Mutable, as Flink's {@code AggregateFunction} accumulators are; Flink stores it with
 * {@link WindowAccumulatorSerializer} (see the {@link TypeInfo} annotation), never with Kryo.
 */
@TypeInfo(WindowAccumulatorSerializer.TypeInfoFactory.class)
public final class WindowAccumulator {
    private static final double NANOS_PER_MS = 1_000_000.0;

    long count;
    long errors;
    long hits;
    long misses;
    /** Events that carried a duration (a cache access may not). */
    long timed;
    /**
     * Sum of durations in integer nanoseconds: exact and order-independent, unlike a double sum. A sum
     * past 2^63 ns (292 years of latency in one window) sticks at {@link #SUM_OVERFLOWED}, and the mean is
     * then unknown rather than wrapped into a negative number.
     */
    long sumNanos;
    long minNanos = Long.MAX_VALUE;
    long maxNanos = Long.MIN_VALUE;
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
            long d = e.durationNanos();
            timed++;
            sumNanos = addSum(sumNanos, d);
            minNanos = Math.min(minNanos, d);
            maxNanos = Math.max(maxNanos, d);
            latency.recordNanos(d);
        }
    }

    /** Adds everything {@code other} has seen; {@code other} is left unchanged. */
    public void merge(WindowAccumulator other) {
        count += other.count;
        errors += other.errors;
        hits += other.hits;
        misses += other.misses;
        timed += other.timed;
        sumNanos = addSum(sumNanos, other.sumNanos);
        minNanos = Math.min(minNanos, other.minNanos);
        maxNanos = Math.max(maxNanos, other.maxNanos);
        latency.add(other.latency);
    }

    /** The sum once it no longer fits 64 bits. */
    static final long SUM_OVERFLOWED = Long.MAX_VALUE;

    private static long addSum(long sum, long d) {
        long r = sum + d; // both >= 0: an overflow wraps negative
        return r < 0 || sum == SUM_OVERFLOWED ? SUM_OVERFLOWED : r;
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

    // Milliseconds from here on: what the _ms columns hold, converted at this one boundary.

    public double minMs() {
        return timed == 0 ? Double.NaN : minNanos / NANOS_PER_MS;
    }

    public double maxMs() {
        return timed == 0 ? Double.NaN : maxNanos / NANOS_PER_MS;
    }

    public double meanMs() {
        return timed == 0 || sumNanos == SUM_OVERFLOWED ? Double.NaN : sumNanos / NANOS_PER_MS / timed;
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
        return timed == 0 ? Double.NaN : Math.max(minMs(), Math.min(maxMs(), quantileMs));
    }

    public LatencyHistogram latency() {
        return latency;
    }

    /** Heap bytes this accumulator takes, about: the counters and its histogram. */
    long footprintBytes() {
        return 80 + latency.footprintBytes();
    }

    WindowAccumulator copy() {
        WindowAccumulator c = new WindowAccumulator();
        c.count = count;
        c.errors = errors;
        c.hits = hits;
        c.misses = misses;
        c.timed = timed;
        c.sumNanos = sumNanos;
        c.minNanos = minNanos;
        c.maxNanos = maxNanos;
        c.latency = latency.copy();
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowAccumulator a && count == a.count && errors == a.errors && hits == a.hits
                && misses == a.misses && timed == a.timed && sumNanos == a.sumNanos
                && minNanos == a.minNanos && maxNanos == a.maxNanos
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
