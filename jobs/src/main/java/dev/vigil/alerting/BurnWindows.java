package dev.vigil.alerting;

import java.util.Arrays;

/**
 * The good and total events of one SLO series over its period, for sums over any trailing span: exact,
 * window by window, over the most recent {@code fineWindows} windows; beyond them in coarse buckets (an
 * hour for a 30-day period) that a window joins when it leaves the fine ring. So a burn-rate window
 * within the fine span (every default short window, and every long one up to a thirtieth of the period)
 * sums exactly the windows it covers; a longer one (3 days, the period) sums whole coarse buckets and
 * may leave out up to one bucket at its old edge. Memory is fixed per series: about 24 bytes per fine
 * window and per coarse bucket (1,440 + 720 for one-minute windows, a 30-day period and the default
 * tiers: 52 KB).
 *
 * <p>A Flink POJO: public fields and a no-arg constructor, kept in keyed state.
 */
public final class BurnWindows {
    static final long EMPTY = Long.MIN_VALUE;

    public long windowMs;
    public long coarseMs;
    /** Start of the newest window recorded; {@link #EMPTY} before the first. */
    public long newestStart = EMPTY;
    public long[] fineStart;
    public long[] fineGood;
    public long[] fineTotal;
    public long[] coarseStart;
    public long[] coarseGood;
    public long[] coarseTotal;

    public BurnWindows() {
    }

    public BurnWindows(long windowMs, int fineWindows, long coarseMs, int coarseBuckets) {
        if (windowMs <= 0 || fineWindows < 1 || coarseMs < windowMs || coarseMs % windowMs != 0 || coarseBuckets < 1) {
            throw new IllegalArgumentException("window " + windowMs + " ms, " + fineWindows + " fine windows, coarse bucket "
                    + coarseMs + " ms x " + coarseBuckets);
        }
        this.windowMs = windowMs;
        this.coarseMs = coarseMs;
        fineStart = filled(fineWindows);
        fineGood = new long[fineWindows];
        fineTotal = new long[fineWindows];
        coarseStart = filled(coarseBuckets);
        coarseGood = new long[coarseBuckets];
        coarseTotal = new long[coarseBuckets];
    }

    /**
     * Records one window's counts. A window seen before (re-fired by late data) replaces its counts
     * while it is in the fine ring; an older one is added to its bucket.
     *
     * @return whether it is the newest window so far (the one to judge)
     */
    public boolean record(long windowStart, long good, long total) {
        int fine = fineStart.length;
        if (newestStart == EMPTY || windowStart > newestStart) {
            if (newestStart != EMPTY) {
                long steps = (windowStart - newestStart) / windowMs;
                // The slots the ring moves over hold the windows that now leave it.
                for (long i = 1; i <= Math.min(steps, fine); i++) {
                    retire(slot(newestStart + i * windowMs));
                }
            }
            newestStart = windowStart;
            int slot = slot(windowStart);
            fineStart[slot] = windowStart;
            fineGood[slot] = good;
            fineTotal[slot] = total;
            return true;
        }
        if (windowStart > newestStart - (long) fine * windowMs) {
            int slot = slot(windowStart);
            fineStart[slot] = windowStart; // the same window again: its newest counts stand
            fineGood[slot] = good;
            fineTotal[slot] = total;
        } else {
            addCoarse(windowStart, good, total);
        }
        return false;
    }

    /** Sums over the windows that start in [end − span, end): {@code {good, total}}. */
    public long[] sum(long end, long spanMs) {
        long from = end - spanMs;
        long good = 0;
        long total = 0;
        for (int i = 0; i < fineStart.length; i++) {
            long start = fineStart[i];
            if (start != EMPTY && start >= from && start < end) {
                good += fineGood[i];
                total += fineTotal[i];
            }
        }
        if (spanMs > (long) fineStart.length * windowMs) {
            for (int i = 0; i < coarseStart.length; i++) {
                long start = coarseStart[i];
                if (start != EMPTY && start >= from && start < end) {
                    good += coarseGood[i];
                    total += coarseTotal[i];
                }
            }
        }
        return new long[] {good, total};
    }

    public int fineWindows() {
        return fineStart.length;
    }

    private void retire(int slot) {
        if (fineStart[slot] != EMPTY) {
            addCoarse(fineStart[slot], fineGood[slot], fineTotal[slot]);
            fineStart[slot] = EMPTY;
            fineGood[slot] = 0;
            fineTotal[slot] = 0;
        }
    }

    private void addCoarse(long windowStart, long good, long total) {
        long bucketStart = Math.floorDiv(windowStart, coarseMs) * coarseMs;
        int i = (int) Math.floorMod(Math.floorDiv(windowStart, coarseMs), (long) coarseStart.length);
        if (coarseStart[i] != bucketStart) {
            if (coarseStart[i] != EMPTY && coarseStart[i] > bucketStart) {
                return; // older than everything the buckets still hold: past the period
            }
            coarseStart[i] = bucketStart;
            coarseGood[i] = 0;
            coarseTotal[i] = 0;
        }
        coarseGood[i] += good;
        coarseTotal[i] += total;
    }

    private int slot(long windowStart) {
        return (int) Math.floorMod(Math.floorDiv(windowStart, windowMs), (long) fineStart.length);
    }

    private static long[] filled(int n) {
        long[] a = new long[n];
        Arrays.fill(a, EMPTY);
        return a;
    }
}
