package dev.vigil.aggregation;

import org.HdrHistogram.IntCountsHistogram;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Latency distribution of one window and series: an HdrHistogram of nanoseconds.
 *
 * <p>Two significant digits give buckets at most 1/128 (0.78%) of their value wide, which keeps every
 * reported quantile within the 1% the contract (docs/contracts.md) allows. Nanoseconds, not microseconds: rounding a 20 µs
 * cache lookup to whole microseconds alone costs 2.5%. Auto-resizing means a window of fast requests
 * holds a short counts array; int counts are enough for one window and halve the memory.
 *
 * <p>Quantiles use the nearest-rank rule, rank = max(1, ceil(q * N)), the same rule as the SQL
 * aggregate {@code latency_quantile}, so that the two agree bucket for bucket. (HdrHistogram's own
 * {@code getValueAtPercentile} rounds q * N instead, which can pick a neighbouring rank in a sparse tail.)
 */
public final class LatencyHistogram {

    /** Significant digits: buckets are at most 1/128 of their value wide. */
    static final int SIGNIFICANT_DIGITS = 2;
    private static final long INITIAL_HIGHEST = 2;
    private static final double NANOS_PER_MS = 1_000_000.0;

    /**
     * Encoding needs room for the whole counts array (12 KB for latencies up to a second) although the
     * result is a few hundred bytes; one buffer per thread spares allocating and zeroing that for every
     * accumulator that crosses the network or goes into a checkpoint.
     */
    private static final ThreadLocal<ByteBuffer> ENCODE_BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(16 * 1024));

    private final IntCountsHistogram histogram;

    public LatencyHistogram() {
        this(newHistogram());
    }

    private LatencyHistogram(IntCountsHistogram histogram) {
        this.histogram = histogram;
    }

    private static IntCountsHistogram newHistogram() {
        IntCountsHistogram h = new IntCountsHistogram(1, INITIAL_HIGHEST, SIGNIFICANT_DIGITS);
        h.setAutoResize(true);
        return h;
    }

    /** Records one duration. */
    public void recordNanos(long durationNanos) {
        histogram.recordValue(durationNanos);
    }

    /** Adds every count of {@code other} to this one. */
    public void add(LatencyHistogram other) {
        if (other.histogram.getTotalCount() > 0) {
            histogram.add(other.histogram);
        }
    }

    public long totalCount() {
        return histogram.getTotalCount();
    }

    /**
     * The nearest-rank q-quantile in milliseconds: the upper edge of the bucket holding the value of
     * rank max(1, ceil(q * N)). NaN when empty.
     */
    public double quantileMillis(double q) {
        if (q < 0 || q > 1 || Double.isNaN(q)) {
            throw new IllegalArgumentException("quantile must be within [0, 1], got " + q);
        }
        long total = histogram.getTotalCount();
        if (total == 0) {
            return Double.NaN;
        }
        return quantileMillis(toPairs(), q);
    }

    /** max(1, ceil(q * n)), computed in double like PostgreSQL does, so both sides pick the same rank. */
    public static long nearestRank(double q, long n) {
        return Math.max(1, (long) Math.ceil(q * n));
    }

    /**
     * The histogram as PostgreSQL stores it in {@code latency_hist}: (value_ns, count) pairs, one per
     * non-empty bucket, ascending, value_ns being the bucket's highest equivalent value. One pass over
     * the counts; read quantiles from the result with {@link #quantileMillis(long[], double)}.
     */
    public long[] toPairs() {
        long total = histogram.getTotalCount();
        if (total == 0) {
            return new long[0];
        }
        // Steps bucket by bucket from the smallest value recorded and stops at the last count: a window's
        // few hundred buckets, not the thousands of the whole counts array HdrHistogram's own iterators
        // walk (with an iteration object per step). Same buckets, same order, tested against them.
        long[] pairs = new long[64];
        int i = 0;
        long seen = 0;
        for (long v = histogram.lowestEquivalentValue(histogram.getMinValue()); seen < total;
             v = histogram.nextNonEquivalentValue(v)) {
            long count = histogram.getCountAtValue(v);
            if (count == 0) {
                continue;
            }
            if (i == pairs.length) {
                pairs = java.util.Arrays.copyOf(pairs, pairs.length * 2);
            }
            pairs[i++] = histogram.highestEquivalentValue(v);
            pairs[i++] = count;
            seen += count;
        }
        return java.util.Arrays.copyOf(pairs, i);
    }

    /**
     * The same nearest-rank quantile as {@link #quantileMillis(double)}, read from pairs: a scan of a
     * few hundred numbers instead of a walk over the whole counts array, so a window row's five
     * percentiles cost one pass over the histogram, not five. NaN for no pairs.
     */
    public static double quantileMillis(long[] pairs, double q) {
        long total = 0;
        for (int i = 1; i < pairs.length; i += 2) {
            total += pairs[i];
        }
        if (total == 0) {
            return Double.NaN;
        }
        long rank = nearestRank(q, total);
        long seen = 0;
        for (int i = 0; i < pairs.length; i += 2) {
            seen += pairs[i + 1];
            if (seen >= rank) {
                return pairs[i] / NANOS_PER_MS;
            }
        }
        return pairs[pairs.length - 2] / NANOS_PER_MS;
    }

    /** The inverse of {@link #toPairs()}: each value lands back in the bucket it came from. */
    public static LatencyHistogram fromPairs(long[] pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("latency_hist must hold (value, count) pairs, got " + pairs.length + " numbers");
        }
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < pairs.length; i += 2) {
            h.histogram.recordValueWithCount(pairs[i], pairs[i + 1]);
        }
        return h;
    }

    /**
     * HdrHistogram's own compact V2 encoding (varint counts, zero runs collapsed). Not the Deflate form:
     * with RocksDB state is read and written on every event, and Deflate would dominate that cost.
     */
    void writeTo(DataOutput out) throws IOException {
        ByteBuffer buffer = ENCODE_BUFFER.get();
        int needed = histogram.getNeededByteBufferCapacity();
        if (buffer.capacity() < needed) {
            buffer = ByteBuffer.allocate(Math.max(needed, buffer.capacity() * 2));
            ENCODE_BUFFER.set(buffer);
        }
        buffer.clear();
        int length = histogram.encodeIntoByteBuffer(buffer);
        out.writeInt(length);
        out.write(buffer.array(), 0, length);
    }

    static LatencyHistogram readFrom(DataInput in) throws IOException {
        int length = in.readInt();
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        try {
            IntCountsHistogram h = IntCountsHistogram.decodeFromByteBuffer(ByteBuffer.wrap(bytes), INITIAL_HIGHEST);
            h.setAutoResize(true);
            return new LatencyHistogram(h);
        } catch (RuntimeException e) {
            throw new IOException("corrupt latency histogram in state", e);
        }
    }

    LatencyHistogram copy() {
        IntCountsHistogram h = histogram.copy();
        h.setAutoResize(true);
        return new LatencyHistogram(h);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyHistogram other && histogram.equals(other.histogram);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(histogram.getTotalCount());
    }
}
