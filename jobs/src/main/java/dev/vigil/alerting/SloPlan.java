package dev.vigil.alerting;

import dev.vigil.model.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * One SLO's windows in whole aggregation windows: each tier window rounded to the nearest whole number
 * of windows (at least one), the distinct spans that {@code slo_status} reports, and how large the
 * series' {@link BurnWindows} must be. Derived once per SLO and window length.
 */
final class SloPlan {
    final Slo slo;
    final long windowMs;
    /** Per tier (same order as the SLO's): long and short span in ms. */
    final long[] longSpan;
    final long[] shortSpan;
    /** Every distinct tier span, shortest first, and how slo_status names it. */
    final long[] reportedSpans;
    final String[] reportedLabels;
    final long periodMs;
    final int fineWindows;
    final long coarseMs;
    final int coarseBuckets;

    /** Coarse buckets per period: an hour each for 30 days. */
    static final int COARSE_BUCKETS_PER_PERIOD = 720;

    SloPlan(Slo slo, long windowMs, long allowedLatenessMs) {
        this.slo = slo;
        this.windowMs = windowMs;
        int n = slo.tiers().size();
        longSpan = new long[n];
        shortSpan = new long[n];
        TreeSet<Long> spans = new TreeSet<>();
        long longestShort = 0;
        for (int i = 0; i < n; i++) {
            Slo.BurnTier t = slo.tiers().get(i);
            longSpan[i] = span(t.longWindow());
            shortSpan[i] = span(t.shortWindow());
            spans.add(longSpan[i]);
            spans.add(shortSpan[i]);
            longestShort = Math.max(longestShort, shortSpan[i]);
        }
        reportedSpans = spans.stream().mapToLong(Long::longValue).toArray();
        List<String> labels = new ArrayList<>();
        spans.forEach(s -> labels.add(Durations.format(Duration.ofMillis(s))));
        reportedLabels = labels.toArray(String[]::new);
        periodMs = span(slo.period());

        // Exact (fine) up to a thirtieth of the period (a day for 30 days), every short window, and far
        // enough back that a window re-fired by late data still finds its own slot.
        long fineLimit = Math.max(periodMs / 30, longestShort);
        long fine = Math.max(longestShort, allowedLatenessMs + 2 * windowMs);
        for (long s : reportedSpans) {
            if (s <= fineLimit) {
                fine = Math.max(fine, s);
            }
        }
        fineWindows = (int) Math.min(Integer.MAX_VALUE, ceilDiv(fine, windowMs));
        coarseMs = Math.max(1, ceilDiv(periodMs / COARSE_BUCKETS_PER_PERIOD, windowMs)) * windowMs;
        coarseBuckets = (int) ceilDiv(periodMs + (long) fineWindows * windowMs, coarseMs) + 1;
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b); // Math.ceilDiv is Java 18
    }

    BurnWindows newWindows() {
        return new BurnWindows(windowMs, fineWindows, coarseMs, coarseBuckets);
    }

    private long span(Duration d) {
        return Math.max(1, Math.round((double) d.toMillis() / windowMs)) * windowMs;
    }
}
