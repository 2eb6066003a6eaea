package dev.vigil.model;

import java.util.Arrays;

/**
 * The stored latency histogram ({@code latency_hist}, {@link MetricWindow#latencyHist()}): one number per
 * non-empty bucket, {@code bucket_index << 40 | count}, ascending. Bucket indexes are HdrHistogram's for
 * nanosecond values with two significant digits; a quantile is the upper edge of the bucket that holds
 * the value of nearest rank. The job writes this format, PostgreSQL's {@code latency_*} functions read
 * it, and so does {@link Merger} in Java: these rules are theirs, said once.
 */
public final class PackedHistogram {
    /** The low bits of a packed number that hold its count. */
    public static final int COUNT_BITS = 40;
    /** The largest count one packed number holds; larger counts take several numbers of the same bucket. */
    public static final long MAX_COUNT = (1L << COUNT_BITS) - 1;
    private static final int SUB_BUCKET_HALF_MAGNITUDE = 7;
    private static final double NANOS_PER_MS = 1_000_000.0;
    /** Bucket indexes of nanosecond values stay below this: {@code bucketIndex(Long.MAX_VALUE) + 1}. */
    public static final int BUCKETS = 7_424;

    private PackedHistogram() {
    }

    public static long pack(long bucketIndex, long count) {
        return (bucketIndex << COUNT_BITS) | count;
    }

    public static long bucketOf(long packed) {
        return packed >>> COUNT_BITS;
    }

    public static long countOf(long packed) {
        return packed & MAX_COUNT;
    }

    /**
     * HdrHistogram's counts-array index of a nanosecond value for these settings (lowest value 1, two
     * significant digits): values below 256 are their own bucket; above, each power of two is split into
     * 128 buckets. The SQL function {@code latency_bucket_of_ns} computes the same.
     */
    public static long bucketIndex(long valueNanos) {
        if (valueNanos < 256) {
            return Math.max(valueNanos, 0);
        }
        int top = 63 - Long.numberOfLeadingZeros(valueNanos); // >= 8
        int shift = top - SUB_BUCKET_HALF_MAGNITUDE;
        return ((long) (shift + 1) << SUB_BUCKET_HALF_MAGNITUDE) + ((valueNanos >>> shift) - 128);
    }

    /** The highest nanosecond value of a bucket: what a quantile in it reports (SQL: {@code latency_bucket_upper_ns}). */
    public static long bucketUpperNanos(long index) {
        if (index < 256) {
            return index;
        }
        int shift = (int) (index >> SUB_BUCKET_HALF_MAGNITUDE) - 1;
        return (((index & 127) + 128) << shift) + (1L << shift) - 1;
    }

    /** max(1, ceil(q * n)), computed in double like PostgreSQL does, so both sides pick the same rank. */
    public static long nearestRank(double q, long n) {
        return Math.max(1, (long) Math.ceil(q * n));
    }

    /** The nearest-rank q-quantile in milliseconds of one packed histogram; NaN for no buckets. */
    public static double quantileMillis(long[] buckets, double q) {
        return quantilesMillis(buckets, buckets.length, new double[] {q})[0];
    }

    /**
     * Nearest-rank quantiles in milliseconds of the first {@code length} packed numbers, which must be in
     * ascending order (a bucket may repeat: its counts add up). NaN for no counts.
     */
    static double[] quantilesMillis(long[] sorted, int length, double[] qs) {
        double[] out = new double[qs.length];
        long total = 0;
        for (int i = 0; i < length; i++) {
            total += countOf(sorted[i]);
        }
        for (int k = 0; k < qs.length; k++) {
            double q = qs[k];
            if (q < 0 || q > 1 || Double.isNaN(q)) {
                throw new IllegalArgumentException("quantile must be within [0, 1], got " + q);
            }
            if (total == 0) {
                out[k] = Double.NaN;
                continue;
            }
            long rank = nearestRank(q, total);
            long seen = 0;
            out[k] = bucketUpperNanos(bucketOf(sorted[length - 1])) / NANOS_PER_MS;
            for (int i = 0; i < length; i++) {
                seen += countOf(sorted[i]);
                if (seen >= rank) {
                    out[k] = bucketUpperNanos(bucketOf(sorted[i])) / NANOS_PER_MS;
                    break;
                }
            }
        }
        return out;
    }

    /** A group of the index holds 2^7 = 128 consecutive buckets: one power of two of values (above 255 ns). */
    public static final int INDEX_GROUP_SHIFT = 7;
    private static final int INDEX_START_SHIFT = 48;
    private static final int INDEX_LENGTH_SHIFT = 36;
    private static final long INDEX_MAX_START = (1L << 15) - 1;
    private static final long INDEX_MAX_LENGTH = (1L << 12) - 1;
    /** The largest count one group of the index holds (about 6.9e10); a histogram with more in one group has no index. */
    public static final long INDEX_MAX_COUNT = (1L << INDEX_LENGTH_SHIFT) - 1;

    /**
     * The histogram's index, as stored in {@code latency_hist_index}: where each group of 128 buckets starts in the
     * packed array, how many numbers it takes and how many durations it holds, so that a quantile over many rows
     * adds up a few numbers per row to find the group that holds its rank, then reads only that group's
     * buckets ({@code latency_quantiles_of} in PostgreSQL). Element 0 is the lowest group {@code lo}; element
     * {@code 1 + g - lo} describes group {@code g} as {@code start << 48 | length << 36 | count}, with
     * {@code start} 1-based (PostgreSQL's subscripts) and 0 for an empty group. Null for no histogram, or when
     * a field would not fit (more than 32,767 numbers, a group of more than 4,095 numbers or
     * {@link #INDEX_MAX_COUNT} durations): readers then read the whole histogram, which gives the same answer.
     * The SQL function {@code latency_hist_index_of} computes the same.
     *
     * @param packed ascending, as {@link #pack} writes it
     */
    public static long[] index(long[] packed) {
        return summary(packed, INDEX_GROUP_SHIFT);
    }

    /** A part of the sub-index holds 2^4 = 16 consecutive buckets: eight parts to a group of the index. */
    public static final int SUB_INDEX_PART_SHIFT = 4;
    /** Parts of the sub-index per group of the index. */
    public static final int SUB_INDEX_PARTS = 1 << (INDEX_GROUP_SHIFT - SUB_INDEX_PART_SHIFT);

    /**
     * The histogram's sub-index, as stored in {@code latency_hist_subindex} of the hourly and daily rollups: the
     * {@link #index} again at a finer grain, each group of 128 buckets cut into {@link #SUB_INDEX_PARTS} parts of
     * 16, so that a quantile over many wide histograms reads an eighth of a group's buckets after adding up
     * eight numbers per row of it. Element 0 is the lowest group {@code lo} (as in the index); element
     * {@code 1 + 8 * (g - lo) + p} describes part {@code p} of group {@code g} in the index's form
     * ({@code start << 48 | length << 36 | count}, 0 for an empty part); null for no histogram or where a field
     * would not fit, as for the index. The SQL function {@code latency_hist_subindex_of} computes the same.
     *
     * @param packed ascending, as {@link #pack} writes it
     */
    public static long[] subIndex(long[] packed) {
        return summary(packed, SUB_INDEX_PART_SHIFT);
    }

    /** Where each run of 2^shift buckets starts, its length and count, for the groups of 128 that hold any. */
    private static long[] summary(long[] packed, int shift) {
        if (packed == null || packed.length == 0 || packed.length > INDEX_MAX_START) {
            return null;
        }
        long lo = bucketOf(packed[0]) >>> INDEX_GROUP_SHIFT;
        long hi = bucketOf(packed[packed.length - 1]) >>> INDEX_GROUP_SHIFT;
        int perGroup = 1 << (INDEX_GROUP_SHIFT - shift);
        long first = lo * perGroup;
        long[] summary = new long[(int) (hi - lo + 1) * perGroup + 1];
        summary[0] = lo;
        long previous = -1;
        for (int i = 0; i < packed.length; i++) {
            long bucket = bucketOf(packed[i]);
            if (bucket < previous || (bucket >>> INDEX_GROUP_SHIFT) > hi) {
                throw new IllegalArgumentException("a packed histogram must be ascending");
            }
            previous = bucket;
            int slot = (int) ((bucket >>> shift) - first) + 1;
            long entry = summary[slot] == 0 ? (long) (i + 1) << INDEX_START_SHIFT : summary[slot];
            long length = ((entry >>> INDEX_LENGTH_SHIFT) & INDEX_MAX_LENGTH) + 1;
            long count = (entry & INDEX_MAX_COUNT) + countOf(packed[i]); // < 2^41: no overflow before the check
            if (length > INDEX_MAX_LENGTH || count > INDEX_MAX_COUNT) {
                return null;
            }
            summary[slot] = (entry >>> INDEX_START_SHIFT) << INDEX_START_SHIFT | length << INDEX_LENGTH_SHIFT | count;
        }
        return summary;
    }

    /**
     * Merges any number of packed histograms and reads quantiles from the merge: the same answer as
     * {@code latency_hist_quantiles(latency_merge(latency_hist), qs)} in PostgreSQL. Counts go into one
     * slot per bucket index (at most {@link #BUCKETS}), so adding costs one addition per number, whatever
     * order the numbers come in, and reading walks the non-empty buckets once.
     */
    public static final class Merger {
        private long[] counts = new long[0];
        private long total;

        public Merger add(long[] packed) {
            if (packed == null) {
                return this;
            }
            for (long p : packed) {
                addBucket(bucketOf(p), countOf(p));
            }
            return this;
        }

        /** Adds {@code count} values of one bucket (any count, also beyond {@link #MAX_COUNT}). */
        public Merger addBucket(long bucketIndex, long count) {
            if (bucketIndex < 0 || bucketIndex >= BUCKETS) {
                throw new IllegalArgumentException("bucket index must be within [0, " + BUCKETS + "), got " + bucketIndex);
            }
            int i = (int) bucketIndex;
            if (i >= counts.length) {
                counts = Arrays.copyOf(counts, Math.min(BUCKETS, Math.max(i + 1, counts.length * 2)));
            }
            counts[i] += count;
            total += count;
            return this;
        }

        /** The values added. */
        public long totalCount() {
            return total;
        }

        /** The merge in the stored format: one number per non-empty bucket (several where a count exceeds {@link #MAX_COUNT}), ascending. */
        public long[] toPacked() {
            int n = 0;
            for (long c : counts) {
                n += c == 0 ? 0 : (int) ((c + MAX_COUNT - 1) / MAX_COUNT);
            }
            long[] out = new long[n];
            int k = 0;
            for (int i = 0; i < counts.length; i++) {
                for (long c = counts[i]; c > 0; c -= MAX_COUNT) {
                    out[k++] = pack(i, Math.min(c, MAX_COUNT));
                }
            }
            return out;
        }

        /** The merged histogram's nearest-rank quantiles, in milliseconds; NaN for each when nothing was added. */
        public double[] quantilesMillis(double... qs) {
            long[] packed = toPacked();
            return PackedHistogram.quantilesMillis(packed, packed.length, qs);
        }
    }
}
