package dev.vigil.aggregation;

import dev.vigil.model.PackedHistogram;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
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
 *
 * <p>Int counts until a merge could overflow them (an hourly or daily rollup of a busy service), then
 * long counts: a rollup never stops counting.
 *
 * <p>The stored form ({@link #toBuckets()}, the {@code latency_hist} column) packs one bucket per number:
 * {@code bucket_index << 40 | count}, the bucket index being HdrHistogram's counts-array index for these
 * settings ({@link #bucketIndex}, {@link #bucketUpperNanos}). A count above {@link #MAX_PACKED_COUNT}
 * spans several numbers of the same bucket.
 */
public final class LatencyHistogram {

    /** Significant digits: buckets are at most 1/128 of their value wide. */
    static final int SIGNIFICANT_DIGITS = 2;
    private static final long INITIAL_HIGHEST = 2;

    /**
     * Encoding needs room for the whole counts array (12 KB for latencies up to a second) although the
     * result is a few hundred bytes; one buffer per thread spares allocating and zeroing that for every
     * accumulator that crosses the network or goes into a checkpoint.
     */
    private static final ThreadLocal<ByteBuffer> ENCODE_BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(16 * 1024));

    /** Bits of a packed bucket that hold its count. */
    static final int COUNT_BITS = PackedHistogram.COUNT_BITS;
    /** The largest count one packed number holds: 2^40 - 1. */
    public static final long MAX_PACKED_COUNT = PackedHistogram.MAX_COUNT;

    private AbstractHistogram histogram;

    public LatencyHistogram() {
        this(newHistogram());
    }

    private LatencyHistogram(AbstractHistogram histogram) {
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
            makeRoomFor(other.histogram.getTotalCount());
            histogram.add(other.histogram);
        }
    }

    /**
     * Switches to long counts when {@code more} counts could take one bucket past 2^31: before adding,
     * never halfway through.
     */
    private void makeRoomFor(long more) {
        if (histogram instanceof IntCountsHistogram && histogram.getTotalCount() + more > Integer.MAX_VALUE) {
            histogram = widened(histogram);
        }
    }

    private static Histogram widened(AbstractHistogram h) {
        Histogram wide = new Histogram(h.getLowestDiscernibleValue(), Math.max(h.getHighestTrackableValue(), INITIAL_HIGHEST),
                SIGNIFICANT_DIGITS);
        wide.setAutoResize(true);
        wide.add(h);
        return wide;
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
        return quantileMillis(toBuckets(), q);
    }

    /** {@link PackedHistogram#nearestRank}. */
    public static long nearestRank(double q, long n) {
        return PackedHistogram.nearestRank(q, n);
    }

    /**
     * The histogram as PostgreSQL stores it in {@code latency_hist}: one packed number per non-empty
     * bucket, {@code bucket_index << 40 | count}, ascending. One pass over the counts; read quantiles
     * from the result with {@link #quantileMillis(long[], double)}.
     */
    public long[] toBuckets() {
        long total = histogram.getTotalCount();
        if (total == 0) {
            return new long[0];
        }
        // Steps bucket by bucket from the smallest value recorded and stops at the last count: a window's
        // few hundred buckets, not the thousands of the whole counts array HdrHistogram's own iterators
        // walk (with an iteration object per step). Same buckets, same order, tested against them.
        long[] buckets = new long[32];
        int i = 0;
        long seen = 0;
        for (long v = histogram.lowestEquivalentValue(histogram.getMinValue()); seen < total;
             v = histogram.nextNonEquivalentValue(v)) {
            long count = histogram.getCountAtValue(v);
            if (count == 0) {
                continue;
            }
            long index = bucketIndex(v);
            seen += count;
            while (count > 0) {
                if (i == buckets.length) {
                    buckets = java.util.Arrays.copyOf(buckets, buckets.length * 2);
                }
                long part = Math.min(count, MAX_PACKED_COUNT);
                buckets[i++] = (index << COUNT_BITS) | part;
                count -= part;
            }
        }
        return java.util.Arrays.copyOf(buckets, i);
    }

    /** {@link PackedHistogram#bucketIndex}: HdrHistogram's counts-array index of a value for these settings. */
    public static long bucketIndex(long valueNanos) {
        return PackedHistogram.bucketIndex(valueNanos);
    }

    /** {@link PackedHistogram#bucketUpperNanos}. */
    public static long bucketUpperNanos(long index) {
        return PackedHistogram.bucketUpperNanos(index);
    }

    /**
     * The same nearest-rank quantile as {@link #quantileMillis(double)}, read from packed buckets
     * ({@link PackedHistogram#quantileMillis}): a scan of a few hundred numbers instead of a walk over the
     * whole counts array. NaN for no buckets.
     */
    public static double quantileMillis(long[] buckets, double q) {
        return PackedHistogram.quantileMillis(buckets, q);
    }

    /** The inverse of {@link #toBuckets()}: each count lands back in the bucket it came from. */
    public static LatencyHistogram fromBuckets(long[] buckets) {
        LatencyHistogram h = new LatencyHistogram();
        for (long b : buckets) {
            long count = b & MAX_PACKED_COUNT;
            h.makeRoomFor(count);
            h.histogram.recordValueWithCount(bucketUpperNanos(b >>> COUNT_BITS), count);
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
        } catch (RuntimeException intCountsOverflow) {
            // The same encoding holds long counts: a widened rollup histogram.
            try {
                Histogram h = Histogram.decodeFromByteBuffer(ByteBuffer.wrap(bytes), INITIAL_HIGHEST);
                h.setAutoResize(true);
                return new LatencyHistogram(h);
            } catch (RuntimeException e) {
                e.addSuppressed(intCountsOverflow);
                throw new IOException("corrupt latency histogram in state", e);
            }
        }
    }

    LatencyHistogram copy() {
        AbstractHistogram h = histogram.copy();
        h.setAutoResize(true);
        return new LatencyHistogram(h);
    }

    /** Whether counts are longs (after a merge that could have overflowed int counts). */
    boolean hasLongCounts() {
        return !(histogram instanceof IntCountsHistogram);
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
