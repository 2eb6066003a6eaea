package dev.vigil.jobs;

import dev.vigil.aggregation.LatencyHistogram;
import dev.vigil.model.MetricWindow;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The reference for rollups: a period's row is the merge of its windows' final rows, computed here from
 * those rows alone (sums, min, max, merged histogram buckets, quantiles clamped like the job clamps).
 */
final class RollupOracle {
    private RollupOracle() {
    }

    /** Expected rollup rows of {@code periodMs} from final window rows, keyed like {@link InMemoryPipeline.Result#rollups()}. */
    static Map<String, MetricWindow> merge(Collection<MetricWindow> windows, long periodMs) {
        Map<String, Acc> byKey = new TreeMap<>();
        for (MetricWindow w : windows) {
            long start = Math.floorDiv(w.windowStart(), periodMs) * periodMs;
            String key = Oracle.key(w.type(), w.service(), w.name(), start) + "+" + periodMs;
            byKey.computeIfAbsent(key, k -> new Acc(w, start, periodMs)).add(w);
        }
        Map<String, MetricWindow> out = new TreeMap<>();
        byKey.forEach((k, acc) -> out.put(k, acc.row()));
        return out;
    }

    /** Counts and histograms exactly, quantiles exactly (same buckets, same clamp), the mean to rounding. */
    static void assertSameRow(String key, MetricWindow actual, MetricWindow expected) {
        assertThat(actual).as(key).isNotNull();
        assertThat(actual.count()).as(key + " count").isEqualTo(expected.count());
        assertThat(actual.errors()).as(key + " errors").isEqualTo(expected.errors());
        assertThat(actual.hits()).as(key + " hits").isEqualTo(expected.hits());
        assertThat(actual.misses()).as(key + " misses").isEqualTo(expected.misses());
        assertThat(actual.latencyHist()).as(key + " histogram").isEqualTo(expected.latencyHist());
        assertThat(actual.minMs()).as(key + " min").isEqualTo(expected.minMs());
        assertThat(actual.maxMs()).as(key + " max").isEqualTo(expected.maxMs());
        assertThat(new double[] {actual.p50Ms(), actual.p90Ms(), actual.p95Ms(), actual.p99Ms(), actual.p999Ms()})
                .as(key + " quantiles").containsExactly(expected.p50Ms(), expected.p90Ms(), expected.p95Ms(),
                        expected.p99Ms(), expected.p999Ms());
        if (Double.isNaN(expected.meanMs())) {
            assertThat(actual.meanMs()).as(key + " mean").isNaN();
        } else {
            assertThat(actual.meanMs()).as(key + " mean").isCloseTo(expected.meanMs(), within(expected.meanMs() * 1e-9));
        }
    }

    private static final class Acc {
        final MetricWindow first;
        final long start;
        final long length;
        long count;
        long errors;
        Long hits;
        Long misses;
        double min = Double.NaN;
        double max = Double.NaN;
        double weightedMean;
        long timed;
        LatencyHistogram hist;

        Acc(MetricWindow first, long start, long length) {
            this.first = first;
            this.start = start;
            this.length = length;
        }

        void add(MetricWindow w) {
            count += w.count();
            errors += w.errors();
            if (w.hits() != null) {
                hits = (hits == null ? 0 : hits) + w.hits();
                misses = (misses == null ? 0 : misses) + w.misses();
            }
            if (w.latencyHist() != null) {
                LatencyHistogram h = LatencyHistogram.fromBuckets(w.latencyHist());
                min = Double.isNaN(min) ? w.minMs() : Math.min(min, w.minMs());
                max = Double.isNaN(max) ? w.maxMs() : Math.max(max, w.maxMs());
                weightedMean += w.meanMs() * h.totalCount();
                timed += h.totalCount();
                if (hist == null) {
                    hist = h;
                } else {
                    hist.add(h);
                }
            }
        }

        MetricWindow row() {
            long[] buckets = hist == null ? null : hist.toBuckets();
            double[] p = new double[5];
            double[] qs = {0.50, 0.90, 0.95, 0.99, 0.999};
            for (int i = 0; i < p.length; i++) {
                p[i] = buckets == null ? Double.NaN
                        : Math.max(min, Math.min(max, LatencyHistogram.quantileMillis(buckets, qs[i])));
            }
            return new MetricWindow(first.type(), first.service(), first.name(), start, start + length, count, errors,
                    hits, misses, min, timed == 0 ? Double.NaN : weightedMean / timed, p[0], p[1], p[2], p[3], p[4], max,
                    buckets);
        }
    }
}
