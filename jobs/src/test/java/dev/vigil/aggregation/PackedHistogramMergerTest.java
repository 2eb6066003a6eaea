package dev.vigil.aggregation;

import dev.vigil.model.PackedHistogram;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The Java merge of stored histograms (vigil serve's) answers as merging the HdrHistograms does. */
class PackedHistogramMergerTest {

    @Test
    void mergingPackedRowsEqualsMergingTheirHistograms() {
        Random r = new Random(18);
        double[] qs = {0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1};
        for (int trial = 0; trial < 200; trial++) {
            LatencyHistogram merged = new LatencyHistogram();
            PackedHistogram.Merger merger = new PackedHistogram.Merger();
            int rows = 1 + r.nextInt(30);
            for (int row = 0; row < rows; row++) {
                LatencyHistogram h = new LatencyHistogram();
                int n = r.nextInt(200);
                double scale = Math.pow(10, r.nextInt(7)); // 1 ns to seconds
                for (int i = 0; i < n; i++) {
                    h.recordNanos(1 + (long) (scale * Math.exp(r.nextGaussian())));
                }
                merged.add(h);
                merger.add(h.toBuckets());
            }
            double[] got = merger.quantilesMillis(qs);
            for (int k = 0; k < qs.length; k++) {
                double want = merged.totalCount() == 0 ? Double.NaN : merged.quantileMillis(qs[k]);
                assertThat(got[k]).as("trial %d q %s", trial, qs[k]).isEqualTo(want);
            }
        }
    }

    @Test
    void countsBeyondOnePackedNumberAddUp() {
        long big = PackedHistogram.MAX_COUNT;
        long[] a = {PackedHistogram.pack(300, big), PackedHistogram.pack(400, 3)};
        long[] b = {PackedHistogram.pack(300, big)};
        PackedHistogram.Merger m = new PackedHistogram.Merger().add(a).add(b).add(new long[0]).add(null);
        // 2 * (2^40 - 1) + 3 values: the median and even the 0.999 quantile are in bucket 300.
        double[] q = m.quantilesMillis(0.5, 0.999, 1);
        assertThat(q[0]).isEqualTo(PackedHistogram.bucketUpperNanos(300) / 1e6);
        assertThat(q[1]).isEqualTo(PackedHistogram.bucketUpperNanos(300) / 1e6);
        assertThat(q[2]).isEqualTo(PackedHistogram.bucketUpperNanos(400) / 1e6);
        assertThat(new PackedHistogram.Merger().quantilesMillis(0.5)[0]).isNaN();
        double[] fromBuckets = new PackedHistogram.Merger().addBucket(400, 3).addBucket(300, 2 * big).quantilesMillis(0.5, 0.999, 1);
        assertThat(fromBuckets).as("merged buckets, as SQL hands them over").containsExactly(q);
        assertThat(m.toPacked()).as("the merge in the stored format")
                .containsExactly(PackedHistogram.pack(300, big), PackedHistogram.pack(300, big), PackedHistogram.pack(400, 3));
        assertThat(m.totalCount()).isEqualTo(2 * big + 3);
        assertThat(new PackedHistogram.Merger().add(m.toPacked()).toPacked()).isEqualTo(m.toPacked());
    }
}
