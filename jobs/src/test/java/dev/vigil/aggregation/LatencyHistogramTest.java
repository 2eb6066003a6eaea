package dev.vigil.aggregation;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LatencyHistogramTest {

    private static final double[] QUANTILES = {0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0};

    @Test
    void quantilesStayWithinOnePercentOfExactNearestRank() {
        Random random = new Random(42);
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + random.nextInt(5000);
            double[] values = new double[n];
            LatencyHistogram h = new LatencyHistogram();
            for (int i = 0; i < n; i++) {
                // log-normal around 40 ms with a heavy tail, at microsecond resolution
                values[i] = Math.round(Math.exp(Math.log(40) + 1.2 * random.nextGaussian()) * 1000) / 1000.0 + 0.5;
                recordMillis(h, values[i]);
            }
            Arrays.sort(values);
            for (double q : QUANTILES) {
                double exact = values[(int) LatencyHistogram.nearestRank(q, n) - 1];
                double got = h.quantileMillis(q);
                assertThat(got).as("q=%s n=%d", q, n).isCloseTo(exact, within(exact * 0.01));
                assertThat(got).as("upper bucket edge never below the value").isGreaterThanOrEqualTo(exact);
            }
        }
    }

    @Test
    void microsecondLatenciesStayWithinOnePercentToo() {
        Random random = new Random(3);
        int n = 2000;
        double[] values = new double[n];
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < n; i++) {
            values[i] = 0.005 + random.nextDouble() * 0.1; // 5 to 105 microseconds, as fast cache lookups take
            recordMillis(h, values[i]);
        }
        Arrays.sort(values);
        for (double q : QUANTILES) {
            double exact = values[(int) LatencyHistogram.nearestRank(q, n) - 1];
            assertThat(h.quantileMillis(q)).as("q=%s", q).isCloseTo(exact, within(exact * 0.01));
        }
    }

    @Test
    void nearestRankIsCeilingOfQTimesNAndAtLeastOne() {
        assertThat(LatencyHistogram.nearestRank(0.0, 10)).isEqualTo(1);
        assertThat(LatencyHistogram.nearestRank(0.5, 10)).isEqualTo(5);
        assertThat(LatencyHistogram.nearestRank(0.51, 10)).isEqualTo(6);
        assertThat(LatencyHistogram.nearestRank(0.95, 100)).isEqualTo(95);
        assertThat(LatencyHistogram.nearestRank(0.999, 1500)).isEqualTo(1499);
        assertThat(LatencyHistogram.nearestRank(1.0, 7)).isEqualTo(7);
    }

    @Test
    void bucketsRoundTripAndMergeLikeTheHistogram() {
        Random random = new Random(7);
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        for (int i = 0; i < 2000; i++) {
            recordMillis(a, random.nextDouble() * 300);
            recordMillis(b, 1000 + random.nextDouble() * 9000);
        }
        long[] buckets = a.toBuckets();
        for (int i = 1; i < buckets.length; i++) {
            assertThat(buckets[i] >>> 40).as("ascending, one number per bucket").isGreaterThan(buckets[i - 1] >>> 40);
        }
        for (double q : QUANTILES) {
            assertThat(LatencyHistogram.quantileMillis(buckets, q)).as("from buckets, q=%s", q).isEqualTo(a.quantileMillis(q));
        }
        assertThat(LatencyHistogram.quantileMillis(new long[0], 0.5)).isNaN();
        LatencyHistogram back = LatencyHistogram.fromBuckets(buckets);
        assertThat(back.toBuckets()).isEqualTo(buckets);
        for (double q : QUANTILES) {
            assertThat(back.quantileMillis(q)).isEqualTo(a.quantileMillis(q));
        }

        LatencyHistogram merged = new LatencyHistogram();
        merged.add(a);
        merged.add(b);
        LatencyHistogram mergedFromPairs = LatencyHistogram.fromBuckets(a.toBuckets());
        mergedFromPairs.add(LatencyHistogram.fromBuckets(b.toBuckets()));
        assertThat(mergedFromPairs.totalCount()).isEqualTo(4000);
        for (double q : QUANTILES) {
            assertThat(mergedFromPairs.quantileMillis(q)).isEqualTo(merged.quantileMillis(q));
        }
    }

    @Test
    void bucketsListEveryRecordedBucketExactlyAsHdrHistogramsOwnIteratorDoes() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            LatencyHistogram h = new LatencyHistogram();
            org.HdrHistogram.IntCountsHistogram reference = new org.HdrHistogram.IntCountsHistogram(1, 2, 2);
            reference.setAutoResize(true);
            int n = 1 + random.nextInt(round < 100 ? 50 : 5000);
            for (int i = 0; i < n; i++) {
                long nanos = Math.round(randomMillis(random, round) * 1_000_000.0);
                h.recordNanos(nanos);
                reference.recordValue(nanos);
            }
            assertThat(h.toBuckets()).as("round %d", round).isEqualTo(bucketsByIterator(reference));
        }
    }

    private static double randomMillis(Random random, int kind) {
        return switch (kind % 4) {
            case 0 -> Math.exp(3 + random.nextGaussian());     // requests
            case 1 -> random.nextDouble() * 0.05;              // cache lookups, down to 0 ns
            case 2 -> random.nextInt(3);                       // whole, including 0
            default -> Math.exp(8 + 3 * random.nextGaussian()); // seconds to hours
        };
    }

    /** The oracle: HdrHistogram's recorded-values iterator, the reference for what the buckets are. */
    static long[] bucketsByIterator(org.HdrHistogram.AbstractHistogram hist) {
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (org.HdrHistogram.HistogramIterationValue v : hist.recordedValues()) {
            long upper = hist.highestEquivalentValue(v.getValueIteratedTo());
            assertThat(LatencyHistogram.bucketUpperNanos(LatencyHistogram.bucketIndex(upper))).isEqualTo(upper);
            out.add(LatencyHistogram.bucketIndex(upper) << 40 | v.getCountAtValueIteratedTo());
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void aFewValuesTakeAFewBytesAndManyTurnDenseOnceThatIsNoLarger() {
        LatencyHistogram empty = new LatencyHistogram();
        LatencyHistogram three = new LatencyHistogram();
        recordMillis(three, 12);
        recordMillis(three, 30);
        recordMillis(three, 250);
        assertThat(empty.footprintBytes()).isLessThan(64);
        assertThat(three.footprintBytes()).as("three requests spread over 20x").isLessThan(100);
        assertThat(three.isDense()).isFalse();

        Random random = new Random(5);
        LatencyHistogram busy = new LatencyHistogram();
        for (int i = 0; i < 100_000; i++) {
            recordMillis(busy, Math.exp(3 + random.nextGaussian()));
        }
        assertThat(busy.isDense()).isTrue();
        assertThat(busy.footprintBytes()).as("bounded by the spread, not the count").isLessThan(16 * 1024);

        LatencyHistogram spread = new LatencyHistogram();
        for (int i = 0; i < 300; i++) {
            recordMillis(spread, Math.exp(random.nextDouble() * 12)); // 1 ms to 3 minutes: ~2,200 buckets
        }
        assertThat(spread.isDense()).as("300 values over 2,200 buckets stay values").isFalse();
        assertThat(spread.footprintBytes()).isLessThan(2 * 1024 + 100);
    }

    @Test
    void aFewValuesStayAFewBytesThroughRoundTripsAndMerges() throws Exception {
        // One value read back is a one-bucket dense histogram; far values added to it must not widen it
        // into kilobytes of empty buckets, nor must merging many such partials.
        LatencyHistogram merged = new LatencyHistogram();
        for (int i = 0; i < 40; i++) {
            LatencyHistogram one = new LatencyHistogram();
            one.recordNanos(1_000_000L << (i % 12)); // 1 ms to 2 s
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            one.writeTo(new java.io.DataOutputStream(bytes));
            LatencyHistogram partial = LatencyHistogram.readFrom(input(bytes.toByteArray()));
            partial.recordNanos(3_000_000L << (i % 7));
            assertThat(partial.footprintBytes()).as("two values").isLessThan(100);
            merged.add(partial);
        }
        assertThat(merged.totalCount()).isEqualTo(80);
        assertThat(merged.footprintBytes()).as("80 values over 1,400 buckets").isLessThan(600);
    }

    @Test
    void aDenseHistogramThatGoesBackToValuesHalfwayThroughAMergeKeepsEveryValue() {
        LatencyHistogram one = new LatencyHistogram();
        one.recordNanos(5_000_000);
        LatencyHistogram dense = LatencyHistogram.fromBuckets(one.toBuckets());
        LatencyHistogram other = new LatencyHistogram();
        for (int i = 0; i < 10; i++) {
            other.recordNanos(5_000_000); // into the dense bucket
        }
        other.recordNanos(2_000_000_000L); // then far away: values are smaller again
        dense.add(other);
        assertThat(dense.totalCount()).isEqualTo(12);
        assertThat(dense.isDense()).isFalse();
        assertThat(dense.toBuckets()).containsExactly(LatencyHistogram.bucketIndex(5_000_000) << 40 | 11,
                LatencyHistogram.bucketIndex(2_000_000_000L) << 40 | 1);
    }

    @Test
    void mergingAnyMixOfSparseAndDenseGivesTheBucketsOfAllTheValues() {
        Random random = new Random(9);
        for (int round = 0; round < 2000; round++) {
            org.HdrHistogram.IntCountsHistogram reference = new org.HdrHistogram.IntCountsHistogram(1, 2, 2);
            reference.setAutoResize(true);
            LatencyHistogram merged = new LatencyHistogram();
            int parts = 1 + random.nextInt(6);
            for (int p = 0; p < parts; p++) {
                LatencyHistogram part = new LatencyHistogram();
                int n = random.nextInt(4) == 0 ? random.nextInt(3000) : random.nextInt(20);
                int kind = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    long nanos = Math.round(randomMillis(random, kind) * 1_000_000.0);
                    part.recordNanos(nanos);
                    reference.recordValue(nanos);
                }
                if (random.nextBoolean()) {
                    part = LatencyHistogram.fromBuckets(part.toBuckets()); // as read back: dense when no larger
                }
                if (random.nextInt(3) == 0) {
                    long far = Math.round(randomMillis(random, 3) * 1_000_000.0);
                    part.recordNanos(far);
                    reference.recordValue(far);
                }
                LatencyHistogram before = part.copy();
                merged.add(part);
                assertThat(part).as("the added histogram is unchanged").isEqualTo(before);
                if (random.nextBoolean()) {
                    merged = merged.copy();
                }
            }
            assertThat(merged.totalCount()).isEqualTo(reference.getTotalCount());
            assertThat(merged.toBuckets()).as("round %d", round).isEqualTo(bucketsByIterator(reference));
        }
    }

    @Test
    void serializedFormRoundTripsBothFormsAndTheOldHdrHistogramFormIsStillRead() throws Exception {
        Random random = new Random(13);
        for (int n : new int[] {0, 1, 3, 50, 5_000}) {
            LatencyHistogram h = new LatencyHistogram();
            org.HdrHistogram.IntCountsHistogram old = new org.HdrHistogram.IntCountsHistogram(1, 2, 2);
            old.setAutoResize(true);
            for (int i = 0; i < n; i++) {
                long nanos = Math.round(Math.exp(3 + 1.5 * random.nextGaussian()) * 1_000_000.0);
                h.recordNanos(nanos);
                old.recordValue(nanos);
            }
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            h.writeTo(new java.io.DataOutputStream(bytes));
            LatencyHistogram back = LatencyHistogram.readFrom(input(bytes.toByteArray()));
            assertThat(back).as("n=%d", n).isEqualTo(h);
            assertThat(back.totalCount()).isEqualTo(n);
            if (n == 50) {
                assertThat(bytes.size()).as("50 requests").isLessThan(160);
            }

            java.nio.ByteBuffer encoded = java.nio.ByteBuffer.allocate(old.getNeededByteBufferCapacity());
            int length = old.encodeIntoByteBuffer(encoded);
            java.io.ByteArrayOutputStream v2 = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream v2out = new java.io.DataOutputStream(v2);
            v2out.writeInt(length);
            v2out.write(encoded.array(), 0, length);
            assertThat(LatencyHistogram.readHdrHistogramFrom(input(v2.toByteArray())).toBuckets())
                    .as("the form before version 3, n=%d", n).isEqualTo(h.toBuckets());
        }
    }

    /**
     * The heap state backend writes a checkpoint from another thread while the task goes on: it serializes
     * the very accumulators the task thread copies (copy-on-write) and emits. Serializing and reading must
     * therefore never change the histogram, not even the order of its sparse values (an in-place sort
     * once lost a value to a concurrent copy, and a window's p90 with it).
     */
    @Test
    void serializingWhileAnotherThreadCopiesAndReadsLosesNoValue() throws Exception {
        Random random = new Random(17);
        java.util.concurrent.ExecutorService snapshotThread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 500; round++) {
                LatencyHistogram h = new LatencyHistogram();
                for (int i = 0; i < 1000; i++) {
                    h.recordNanos(1_000_000L + random.nextInt(15_000) * 1_000_000L); // 1 ms to 15 s: stays sparse
                }
                assertThat(h.isDense()).isFalse();
                long[] expected = h.copy().toBuckets();
                java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
                java.util.concurrent.Future<byte[]> written = snapshotThread.submit(() -> {
                    started.set(true);
                    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                    h.writeTo(new java.io.DataOutputStream(bytes));
                    return bytes.toByteArray();
                });
                while (!started.get()) {
                    Thread.onSpinWait();
                }
                java.util.List<LatencyHistogram> copies = new java.util.ArrayList<>();
                do {
                    copies.add(h.copy()); // as copy-on-write does while the checkpoint is written
                } while (!written.isDone());
                for (LatencyHistogram copy : copies) {
                    assertThat(copy.toBuckets()).as("round %d", round).isEqualTo(expected);
                }
                assertThat(LatencyHistogram.readFrom(input(written.get())).toBuckets()).isEqualTo(expected);
            }
        } finally {
            snapshotThread.shutdownNow();
        }
    }

    @Test
    void corruptStateIsRejectedInWords() {
        byte[] emptyBucket = {2, 2, 1, 2}; // two buckets, the second with a count of 0
        assertThatThrownBy(() -> LatencyHistogram.readFrom(input(emptyBucket)))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("corrupt latency histogram");
    }

    private static java.io.DataInputStream input(byte[] bytes) {
        return new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes));
    }

    @Test
    void emptyHistogramHasNoQuantileAndBadQIsRejected() {
        LatencyHistogram h = new LatencyHistogram();
        assertThat(h.quantileMillis(0.5)).isNaN();
        assertThat(h.toBuckets()).isEmpty();
        assertThatThrownBy(() -> h.quantileMillis(1.5)).hasMessage("quantile must be within [0, 1], got 1.5");
    }

    @Test
    void bucketIndexesAreHdrHistogramsAndEveryValueLiesWithinItsBucket() {
        org.HdrHistogram.IntCountsHistogram reference = new org.HdrHistogram.IntCountsHistogram(1, Long.MAX_VALUE / 4, 2);
        Random random = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            long v = i < 1000 ? i : (long) Math.exp(random.nextDouble() * Math.log(Long.MAX_VALUE / 8.0));
            long index = LatencyHistogram.bucketIndex(v);
            long upper = LatencyHistogram.bucketUpperNanos(index);
            assertThat(upper).as("value %d", v).isEqualTo(reference.highestEquivalentValue(v));
            assertThat(LatencyHistogram.bucketIndex(reference.lowestEquivalentValue(v))).isEqualTo(index);
            assertThat(index).as("fits the 23 bits above the count").isLessThan(1L << 23);
        }
    }

    @Test
    void aRollupPastTwoToTheThirtyOneCountsOnAndPacksBigCountsIntoSeveralNumbers() throws Exception {
        LatencyHistogram minute = new LatencyHistogram();
        minute.recordNanos(5_000_000);
        long[] one = minute.toBuckets();
        long[] huge = {(one[0] & ~LatencyHistogram.MAX_PACKED_COUNT) | 1_500_000_000L};
        LatencyHistogram day = new LatencyHistogram();
        day.add(LatencyHistogram.fromBuckets(huge));
        day.add(LatencyHistogram.fromBuckets(huge));
        day.add(minute);
        assertThat(day.totalCount()).isEqualTo(3_000_000_001L);
        assertThat(day.toBuckets()).containsExactly((one[0] & ~LatencyHistogram.MAX_PACKED_COUNT) | 3_000_000_001L);

        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        day.writeTo(new java.io.DataOutputStream(bytes));
        LatencyHistogram restored = LatencyHistogram.readFrom(new java.io.DataInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray())));
        assertThat(restored.totalCount()).isEqualTo(3_000_000_001L);
        assertThat(restored.toBuckets()).isEqualTo(day.toBuckets());

        long[] beyondOneNumber = {(one[0] & ~LatencyHistogram.MAX_PACKED_COUNT) | LatencyHistogram.MAX_PACKED_COUNT,
                (one[0] & ~LatencyHistogram.MAX_PACKED_COUNT) | 5};
        LatencyHistogram years = LatencyHistogram.fromBuckets(beyondOneNumber);
        assertThat(years.totalCount()).isEqualTo(LatencyHistogram.MAX_PACKED_COUNT + 5);
        assertThat(years.toBuckets()).as("a count past 2^40 - 1 spans two numbers of one bucket").isEqualTo(beyondOneNumber);
    }

    /** Durations as tests write them, in milliseconds, rounded to the nanosecond as the codec does. */
    private static void recordMillis(LatencyHistogram h, double ms) {
        h.recordNanos(Math.round(ms * 1_000_000.0));
    }
}
