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
    void pairsRoundTripAndMergeLikeTheHistogram() {
        Random random = new Random(7);
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        for (int i = 0; i < 2000; i++) {
            recordMillis(a, random.nextDouble() * 300);
            recordMillis(b, 1000 + random.nextDouble() * 9000);
        }
        long[] pairs = a.toPairs();
        assertThat(pairs.length % 2).isZero();
        for (int i = 2; i < pairs.length; i += 2) {
            assertThat(pairs[i]).isGreaterThan(pairs[i - 2]);
        }
        for (double q : QUANTILES) {
            assertThat(LatencyHistogram.quantileMillis(pairs, q)).as("from pairs, q=%s", q).isEqualTo(a.quantileMillis(q));
        }
        assertThat(LatencyHistogram.quantileMillis(new long[0], 0.5)).isNaN();
        LatencyHistogram back = LatencyHistogram.fromPairs(pairs);
        assertThat(back.toPairs()).isEqualTo(pairs);
        for (double q : QUANTILES) {
            assertThat(back.quantileMillis(q)).isEqualTo(a.quantileMillis(q));
        }

        LatencyHistogram merged = new LatencyHistogram();
        merged.add(a);
        merged.add(b);
        LatencyHistogram mergedFromPairs = LatencyHistogram.fromPairs(a.toPairs());
        mergedFromPairs.add(LatencyHistogram.fromPairs(b.toPairs()));
        assertThat(mergedFromPairs.totalCount()).isEqualTo(4000);
        for (double q : QUANTILES) {
            assertThat(mergedFromPairs.quantileMillis(q)).isEqualTo(merged.quantileMillis(q));
        }
    }

    @Test
    void pairsListEveryRecordedBucketExactlyAsHdrHistogramsOwnIteratorDoes() throws Exception {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            LatencyHistogram h = new LatencyHistogram();
            int n = 1 + random.nextInt(round < 100 ? 50 : 5000);
            for (int i = 0; i < n; i++) {
                double ms = switch (round % 4) {
                    case 0 -> Math.exp(3 + random.nextGaussian());     // requests
                    case 1 -> random.nextDouble() * 0.05;              // cache lookups, down to 0 ns
                    case 2 -> random.nextInt(3);                       // whole, including 0
                    default -> Math.exp(8 + 3 * random.nextGaussian()); // seconds to hours
                };
                recordMillis(h, ms);
            }
            assertThat(h.toPairs()).as("round %d", round).isEqualTo(pairsByIterator(h));
        }
    }

    /** The oracle: HdrHistogram's recorded-values iterator, the reference for what the buckets are. */
    private static long[] pairsByIterator(LatencyHistogram h) throws Exception {
        java.lang.reflect.Field f = LatencyHistogram.class.getDeclaredField("histogram");
        f.setAccessible(true);
        org.HdrHistogram.IntCountsHistogram hist = (org.HdrHistogram.IntCountsHistogram) f.get(h);
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (org.HdrHistogram.HistogramIterationValue v : hist.recordedValues()) {
            out.add(hist.highestEquivalentValue(v.getValueIteratedTo()));
            out.add(v.getCountAtValueIteratedTo());
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void emptyHistogramHasNoQuantileAndBadQIsRejected() {
        LatencyHistogram h = new LatencyHistogram();
        assertThat(h.quantileMillis(0.5)).isNaN();
        assertThat(h.toPairs()).isEmpty();
        assertThatThrownBy(() -> h.quantileMillis(1.5)).hasMessage("quantile must be within [0, 1], got 1.5");
    }

    /** Durations as tests write them, in milliseconds, rounded to the nanosecond as the codec does. */
    private static void recordMillis(LatencyHistogram h, double ms) {
        h.recordNanos(Math.round(ms * 1_000_000.0));
    }
}
