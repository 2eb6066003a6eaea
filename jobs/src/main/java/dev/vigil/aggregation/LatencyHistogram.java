package dev.vigil.aggregation;

import dev.vigil.model.PackedHistogram;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.IntCountsHistogram;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Latency distribution of one window and series, in HdrHistogram's buckets for nanosecond values with two
 * significant digits ({@link PackedHistogram#bucketIndex}): each bucket at most 1/128 (0.78%) of its value
 * wide, which keeps every reported quantile within the 1% the contract (docs/contracts.md) allows.
 *
 * <p><b>Memory follows what it holds.</b> Most series see a few events per window (a fleet has many series
 * and each is quiet), so a histogram starts <em>sparse</em>: the bucket index of each value, four bytes a
 * value, in arrival order. It turns <em>dense</em> (a count per bucket between the lowest and highest
 * bucket seen, eight bytes a bucket) once that takes no more room than the values would, that is once it
 * holds at least as many values as its range has buckets. An empty histogram holds no array at all, a
 * window of three requests twelve bytes, where a dense counts array for latencies up to a second takes 12 KB
 * whatever it holds. Both forms give the same buckets, so every answer is the same either way: only the
 * cost differs.
 *
 * <p>Quantiles use the nearest-rank rule, rank = max(1, ceil(q * N)), the same rule as the SQL aggregate
 * {@code latency_quantile}, so that the two agree bucket for bucket. Counts are longs: a daily rollup of
 * a busy service never stops counting.
 *
 * <p>The stored form ({@link #toBuckets()}, the {@code latency_hist} column) packs one bucket per number:
 * {@code bucket_index << 40 | count} ({@link PackedHistogram}). A count above {@link #MAX_PACKED_COUNT}
 * spans several numbers of the same bucket. The serialized form ({@link #writeTo}) lists the same
 * non-empty buckets, varint-encoded.
 */
public final class LatencyHistogram {

    /** Bits of a packed bucket that hold its count. */
    static final int COUNT_BITS = PackedHistogram.COUNT_BITS;
    /** The largest count one packed number holds: 2^40 - 1. */
    public static final long MAX_PACKED_COUNT = PackedHistogram.MAX_COUNT;

    private static final int FIRST_VALUES = 4;
    /** Buckets a dense histogram adds beyond a new extreme, so a widening tail does not copy on every value. */
    private static final int DENSE_SLACK = 16;
    /** Object headers, fields and array headers, for {@link #footprintBytes()}. */
    private static final int OBJECT_BYTES = 48;
    private static final int ARRAY_HEADER_BYTES = 16;

    /** Sparse form: the bucket index of each value; {@code null} until the first value, and once dense. */
    private int[] values;
    /** Values used in {@link #values}. */
    private int size;
    /** Dense form: {@code counts[i]} values in bucket {@code lo + i}; {@code null} while sparse. */
    private long[] counts;
    private int lo;
    private long total;

    /** Records one duration. */
    public void recordNanos(long durationNanos) {
        recordBucket((int) PackedHistogram.bucketIndex(durationNanos));
        total++;
    }

    private void recordBucket(int bucket) {
        if (counts != null) {
            addDense(bucket, 1);
            return;
        }
        if (values == null) {
            values = new int[FIRST_VALUES];
        } else if (size == values.length && !growSparse(bucket, bucket)) {
            addDense(bucket, 1);
            return;
        }
        values[size++] = bucket;
    }

    /**
     * Makes room for more values, or turns dense when a count per bucket of the range (including the
     * buckets {@code min} to {@code max} about to be added) would take no more room than twice the values:
     * false when it turned dense.
     */
    private boolean growSparse(int min, int max) {
        for (int i = 0; i < size; i++) {
            min = Math.min(min, values[i]);
            max = Math.max(max, values[i]);
        }
        if (max - min + 1 <= size) {
            toDense(min, max);
            return false;
        }
        values = Arrays.copyOf(values, values.length * 2);
        return true;
    }

    /** Turns the sparse values into counts over at least {@code min} to {@code max}. */
    private void toDense(int min, int max) {
        int[] sparse = values;
        int n = size;
        counts = new long[max - min + 1];
        lo = min;
        for (int i = 0; i < n; i++) {
            counts[sparse[i] - lo]++;
        }
        values = null;
        size = 0;
    }

    private void addDense(int bucket, long count) {
        if (bucket < lo || bucket >= lo + counts.length) {
            int range = Math.max(bucket, lo + counts.length - 1) - Math.min(bucket, lo) + 1;
            if (sparseIsSmaller(range, total + count)) {
                toSparse();
                for (long c = 0; c < count; c++) {
                    recordBucket(bucket);
                }
                return;
            }
            widenDense(bucket, bucket);
        }
        counts[bucket - lo] += count;
    }

    /**
     * Whether a dense histogram should go back to values: when a far value (or a merge) would widen its
     * range past twice its count, the counts array would be more than four times the size of the values.
     * (Dense starts at range &lt;= count; the gap between the two rules keeps it from flipping back and forth.)
     */
    private static boolean sparseIsSmaller(long range, long count) {
        return range > 2 * count;
    }

    /** Turns the counts back into one bucket index per value: fewer than 2^13 values, by {@link #sparseIsSmaller}. */
    private void toSparse() {
        long[] dense = counts;
        long n = 0;
        for (long c : dense) {
            n += c;
        }
        values = new int[Math.max(FIRST_VALUES, Integer.highestOneBit((int) n) * 2)];
        size = 0;
        for (int i = 0; i < dense.length; i++) {
            for (long c = 0; c < dense[i]; c++) {
                values[size++] = lo + i;
            }
        }
        counts = null;
        lo = 0;
    }

    /** Widens the dense range to cover {@code min} to {@code max}, with some slack on the side that grew. */
    private void widenDense(int min, int max) {
        int hi = lo + counts.length - 1;
        int newLo = min < lo ? Math.max(0, min - DENSE_SLACK) : lo;
        int newHi = max > hi ? max + DENSE_SLACK : hi;
        if (newLo == lo && newHi == hi) {
            return;
        }
        long[] wider = new long[newHi - newLo + 1];
        System.arraycopy(counts, 0, wider, lo - newLo, counts.length);
        counts = wider;
        lo = newLo;
    }

    /** Adds every count of {@code other} to this one; {@code other} is left unchanged. */
    public void add(LatencyHistogram other) {
        if (other.total == 0) {
            return;
        }
        if (other.counts == null) {
            for (int i = 0; i < other.size; i++) {
                recordBucket(other.values[i]);
                total++; // as it goes: a dense histogram judges its form by it
            }
        } else {
            int otherHi = other.lo + other.counts.length - 1;
            int min = Math.min(other.lo, counts == null ? Integer.MAX_VALUE : lo);
            int max = Math.max(otherHi, counts == null ? Integer.MIN_VALUE : lo + counts.length - 1);
            for (int i = 0; i < size; i++) {
                min = Math.min(min, values[i]);
                max = Math.max(max, values[i]);
            }
            if (sparseIsSmaller((long) max - min + 1, total + other.total)) {
                // A few values each side, far apart: stay values.
                if (counts != null) {
                    toSparse();
                }
                long[] theirs = other.counts;
                for (int i = 0; i < theirs.length; i++) {
                    for (long c = 0; c < theirs[i]; c++) {
                        recordBucket(other.lo + i);
                        total++;
                    }
                }
                return;
            }
            if (counts == null) {
                toDense(min, max);
            } else {
                widenDense(other.lo, otherHi);
            }
            int offset = other.lo - lo;
            long[] theirs = other.counts;
            for (int i = 0; i < theirs.length; i++) {
                counts[offset + i] += theirs[i];
            }
            total += other.total;
        }
    }

    public long totalCount() {
        return total;
    }

    /**
     * Bytes this histogram takes on the heap, about: what bounds a pre-aggregation buffer
     * ({@link LocalWindowAggregator}).
     */
    public long footprintBytes() {
        if (counts != null) {
            return OBJECT_BYTES + ARRAY_HEADER_BYTES + 8L * counts.length;
        }
        return values == null ? OBJECT_BYTES : OBJECT_BYTES + ARRAY_HEADER_BYTES + 4L * values.length;
    }

    /** Whether this histogram keeps a count per bucket rather than each value's bucket (for tests). */
    boolean isDense() {
        return counts != null;
    }

    /**
     * The nearest-rank q-quantile in milliseconds: the upper edge of the bucket holding the value of
     * rank max(1, ceil(q * N)). NaN when empty.
     */
    public double quantileMillis(double q) {
        if (q < 0 || q > 1 || Double.isNaN(q)) {
            throw new IllegalArgumentException("quantile must be within [0, 1], got " + q);
        }
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
     * bucket, {@code bucket_index << 40 | count}, ascending. Read quantiles from the result with
     * {@link #quantileMillis(long[], double)}.
     */
    public long[] toBuckets() {
        if (total == 0) {
            return new long[0];
        }
        if (counts == null) {
            int[] sorted = sortedValues();
            long[] buckets = new long[distinct(sorted)];
            int k = 0;
            int run = 1;
            for (int i = 1; i <= sorted.length; i++) {
                if (i < sorted.length && sorted[i] == sorted[i - 1]) {
                    run++;
                } else {
                    buckets[k++] = PackedHistogram.pack(sorted[i - 1], run);
                    run = 1;
                }
            }
            return buckets;
        }
        int numbers = 0;
        for (long c : counts) {
            if (c != 0) {
                numbers += (int) ((c + MAX_PACKED_COUNT - 1) / MAX_PACKED_COUNT);
            }
        }
        long[] buckets = new long[numbers];
        int k = 0;
        for (int i = 0; i < counts.length; i++) {
            long c = counts[i];
            while (c > 0) {
                long part = Math.min(c, MAX_PACKED_COUNT);
                buckets[k++] = PackedHistogram.pack(lo + i, part);
                c -= part;
            }
        }
        return buckets;
    }

    /**
     * The sparse values sorted, so equal buckets form runs: a sorted copy, never the values themselves. A
     * histogram in state is serialized by the checkpoint thread while the task thread copies and emits it,
     * so reading one must not write to it (an in-place sort did, and a concurrent copy lost a value).
     */
    private int[] sortedValues() {
        int[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        return sorted;
    }

    /** How many distinct buckets sorted values hold (at least one value). */
    private static int distinct(int[] sorted) {
        int distinct = 1;
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] != sorted[i - 1]) {
                distinct++;
            }
        }
        return distinct;
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
     * ({@link PackedHistogram#quantileMillis}). NaN for no buckets.
     */
    public static double quantileMillis(long[] buckets, double q) {
        return PackedHistogram.quantileMillis(buckets, q);
    }

    /** The inverse of {@link #toBuckets()}: each count lands back in the bucket it came from. */
    public static LatencyHistogram fromBuckets(long[] buckets) {
        int[] index = new int[buckets.length];
        long[] count = new long[buckets.length];
        for (int i = 0; i < buckets.length; i++) {
            index[i] = (int) PackedHistogram.bucketOf(buckets[i]);
            count[i] = PackedHistogram.countOf(buckets[i]);
        }
        return of(index, count, buckets.length);
    }

    /** A histogram of {@code count[i]} values in bucket {@code index[i]}, in whichever form is smaller. */
    private static LatencyHistogram of(int[] index, long[] count, int n) {
        LatencyHistogram h = new LatencyHistogram();
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        long total = 0;
        for (int i = 0; i < n; i++) {
            if (count[i] > 0) {
                min = Math.min(min, index[i]);
                max = Math.max(max, index[i]);
                total += count[i];
            }
        }
        if (total == 0) {
            return h;
        }
        if (max - min + 1 <= total) {
            h.counts = new long[max - min + 1];
            h.lo = min;
            for (int i = 0; i < n; i++) {
                h.counts[index[i] - min] += count[i];
            }
        } else { // fewer values than the range has buckets, so fewer than 2^23
            h.values = new int[(int) total];
            for (int i = 0; i < n; i++) {
                for (long c = 0; c < count[i]; c++) {
                    h.values[h.size++] = index[i];
                }
            }
        }
        h.total = total;
        return h;
    }

    /**
     * The non-empty buckets, ascending, as unsigned varints: their number, then for each its count shifted
     * left by one, the low bit set when empty buckets lie between it and the previous one (the first: bucket
     * 0), followed by how many. Neighbouring buckets of a busy window cost only their counts; a window of 50
     * requests takes about 100 bytes.
     */
    void writeTo(DataOutput out) throws IOException {
        if (total == 0) {
            out.writeByte(0);
            return;
        }
        if (counts == null) {
            // Sparse: fewer values than 2^31, so one packed number per bucket, ascending.
            long[] buckets = toBuckets();
            writeVarLong(out, buckets.length);
            int previous = -1;
            for (long packed : buckets) {
                int bucket = (int) PackedHistogram.bucketOf(packed);
                writeBucket(out, bucket - previous - 1, PackedHistogram.countOf(packed));
                previous = bucket;
            }
            return;
        }
        int nonEmpty = 0;
        for (long c : counts) {
            if (c != 0) {
                nonEmpty++;
            }
        }
        writeVarLong(out, nonEmpty);
        int previous = -1;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                writeBucket(out, lo + i - previous - 1, counts[i]);
                previous = lo + i;
            }
        }
    }

    /** One bucket: its count and whether buckets were skipped, then how many, if any. */
    private static void writeBucket(DataOutput out, int skipped, long count) throws IOException {
        writeVarLong(out, count << 1 | (skipped > 0 ? 1 : 0));
        if (skipped > 0) {
            writeVarLong(out, skipped);
        }
    }

    static LatencyHistogram readFrom(DataInput in) throws IOException {
        long buckets = readVarLong(in);
        if (buckets < 0 || buckets > 1 << 23) {
            throw new IOException("corrupt latency histogram in state: " + buckets + " buckets");
        }
        int n = (int) buckets;
        int[] index = new int[n];
        long[] count = new long[n];
        long previous = -1;
        for (int i = 0; i < n; i++) {
            long countAndSkip = readVarLong(in);
            long c = countAndSkip >>> 1;
            previous += 1 + ((countAndSkip & 1) == 0 ? 0 : readVarLong(in));
            if (previous >= 1 << 23 || c <= 0 || (i > 0 && previous <= index[i - 1])) {
                throw new IOException("corrupt latency histogram in state: bucket " + previous + " count " + c);
            }
            index[i] = (int) previous;
            count[i] = c;
        }
        return of(index, count, n);
    }

    /**
     * Reads the form state and partials had before version 3 of {@link WindowAccumulatorSerializer}: a
     * length, then HdrHistogram's V2 encoding of an {@link IntCountsHistogram} (or, for a rollup past 2^31
     * counts, a {@link Histogram}), with the same buckets as now.
     */
    static LatencyHistogram readHdrHistogramFrom(DataInput in) throws IOException {
        int length = in.readInt();
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        AbstractHistogram h;
        try {
            h = IntCountsHistogram.decodeFromByteBuffer(ByteBuffer.wrap(bytes), 2);
        } catch (RuntimeException intCountsOverflow) {
            try {
                h = Histogram.decodeFromByteBuffer(ByteBuffer.wrap(bytes), 2);
            } catch (RuntimeException e) {
                e.addSuppressed(intCountsOverflow);
                throw new IOException("corrupt latency histogram in state", e);
            }
        }
        int n = 0;
        int[] index = new int[64];
        long[] count = new long[64];
        for (HistogramIterationValue v : h.recordedValues()) {
            if (n == index.length) {
                index = Arrays.copyOf(index, n * 2);
                count = Arrays.copyOf(count, n * 2);
            }
            index[n] = (int) PackedHistogram.bucketIndex(h.highestEquivalentValue(v.getValueIteratedTo()));
            count[n++] = v.getCountAtValueIteratedTo();
        }
        return of(index, count, n);
    }

    static void writeVarLong(DataOutput out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    static long readVarLong(DataInput in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.readByte();
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new IOException("corrupt varint in state");
    }

    LatencyHistogram copy() {
        LatencyHistogram c = new LatencyHistogram();
        c.values = values == null ? null : values.clone();
        c.size = size;
        c.counts = counts == null ? null : counts.clone();
        c.lo = lo;
        c.total = total;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyHistogram other && total == other.total && Arrays.equals(toBuckets(), other.toBuckets());
    }

    @Override
    public int hashCode() {
        return Long.hashCode(total);
    }
}
