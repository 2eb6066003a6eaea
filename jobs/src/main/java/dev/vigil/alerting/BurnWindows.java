package dev.vigil.alerting;

import java.util.Arrays;

/**
 * The good and total events of one SLO series over its period, for sums over any trailing span: exact,
 * window by window, over the most recent {@code fineWindows} windows; beyond them in coarse buckets (an
 * hour for a 30-day period) that a window joins when it leaves the fine span. So a burn-rate window
 * within the fine span (every default short window, and every long one up to a thirtieth of the period)
 * sums exactly the windows it covers; a longer one (3 days, the period) sums whole coarse buckets and
 * may leave out up to one bucket at its old edge.
 *
 * <p>Memory and time follow what the series sent: only windows and buckets that hold counts are kept,
 * ascending by start, about 24 bytes each, so a series that reported 30 windows takes under a kilobyte and
 * a sum visits 30 entries. A series reporting every minute for the whole period reaches the ceiling,
 * 1,440 windows + 720 buckets for one-minute windows, a 30-day period and the default tiers: 52 KB (what
 * every series took before, whatever it sent).
 *
 * <p>A Flink POJO: public fields and a no-arg constructor, kept in keyed state. State written before
 * {@link #fineSize} existed (every array a full ring, {@link #EMPTY} marking unused slots) is read by
 * the same serializer and converted on first use.
 */
public final class BurnWindows {
    static final long EMPTY = Long.MIN_VALUE;
    private static final int FIRST_CAPACITY = 4;

    public long windowMs;
    public long coarseMs;
    /** Start of the newest window recorded; {@link #EMPTY} before the first. */
    public long newestStart = EMPTY;
    /** Windows the fine span covers; 0 in state of the earlier ring layout, until converted. */
    public int fineWindows;
    /** Coarse buckets the period covers. */
    public int coarseBuckets;
    /** The first {@code fineSize} entries of the fine arrays are in use, ascending by start. */
    public int fineSize;
    public long[] fineStart;
    public long[] fineGood;
    public long[] fineTotal;
    /** The first {@code coarseSize} entries of the coarse arrays are in use, ascending by bucket start. */
    public int coarseSize;
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
        this.fineWindows = fineWindows;
        this.coarseBuckets = coarseBuckets;
        fineStart = new long[0];
        fineGood = fineStart;
        fineTotal = fineStart;
        coarseStart = fineStart;
        coarseGood = fineStart;
        coarseTotal = fineStart;
    }

    /**
     * Records one window's counts. A window seen before (re-fired by late data) replaces its counts
     * while it is in the fine span; an older one is added to its bucket.
     *
     * @return whether it is the newest window so far (the one to judge)
     */
    public boolean record(long windowStart, long good, long total) {
        convertRingLayout();
        boolean newest = newestStart == EMPTY || windowStart > newestStart;
        if (newest) {
            newestStart = windowStart;
            retireBefore(newestStart - (long) (fineWindows - 1) * windowMs);
        }
        if (windowStart >= newestStart - (long) (fineWindows - 1) * windowMs) {
            putFine(windowStart, good, total);
        } else {
            addCoarse(windowStart, good, total);
        }
        return newest;
    }

    /** Sums over the windows that start in [end − span, end): {@code {good, total}}. */
    public long[] sum(long end, long spanMs) {
        convertRingLayout();
        long from = end - spanMs;
        long good = 0;
        long total = 0;
        for (int i = 0; i < fineSize; i++) {
            long start = fineStart[i];
            if (start >= from && start < end) {
                good += fineGood[i];
                total += fineTotal[i];
            }
        }
        if (spanMs > (long) fineWindows * windowMs) {
            for (int i = 0; i < coarseSize; i++) {
                long start = coarseStart[i];
                if (start >= from && start < end) {
                    good += coarseGood[i];
                    total += coarseTotal[i];
                }
            }
        }
        return new long[] {good, total};
    }

    public int fineWindows() {
        convertRingLayout();
        return fineWindows;
    }

    /** Windows and buckets held (for tests: what the memory follows). */
    int entries() {
        convertRingLayout();
        return fineSize + coarseSize;
    }

    /** Moves the fine windows that start before {@code from} to their coarse buckets, oldest first. */
    private void retireBefore(long from) {
        int leaving = 0;
        while (leaving < fineSize && fineStart[leaving] < from) {
            addCoarse(fineStart[leaving], fineGood[leaving], fineTotal[leaving]);
            leaving++;
        }
        fineSize = dropFirst(leaving, fineSize, fineStart, fineGood, fineTotal);
    }

    /** Sets a fine window's counts: the same window again means its newest counts stand. */
    private void putFine(long windowStart, long good, long total) {
        int i = position(fineStart, fineSize, windowStart);
        if (i < fineSize && fineStart[i] == windowStart) {
            fineGood[i] = good;
            fineTotal[i] = total;
            return;
        }
        if (fineSize == fineStart.length) {
            int capacity = grown(fineStart.length, fineWindows);
            fineStart = Arrays.copyOf(fineStart, capacity);
            fineGood = Arrays.copyOf(fineGood, capacity);
            fineTotal = Arrays.copyOf(fineTotal, capacity);
        }
        insert(fineStart, fineSize, i, windowStart);
        insert(fineGood, fineSize, i, good);
        insert(fineTotal, fineSize, i, total);
        fineSize++;
    }

    /**
     * Adds a window's counts to its coarse bucket. Buckets more than the period older than the newest
     * bucket are dropped, and so is a window that would land in one.
     */
    private void addCoarse(long windowStart, long good, long total) {
        long bucketStart = Math.floorDiv(windowStart, coarseMs) * coarseMs;
        long newestBucket = coarseSize == 0 ? bucketStart : Math.max(bucketStart, coarseStart[coarseSize - 1]);
        long oldestKept = newestBucket - (long) (coarseBuckets - 1) * coarseMs;
        if (bucketStart < oldestKept) {
            return; // past the period
        }
        int dropped = 0;
        while (dropped < coarseSize && coarseStart[dropped] < oldestKept) {
            dropped++;
        }
        coarseSize = dropFirst(dropped, coarseSize, coarseStart, coarseGood, coarseTotal);
        int i = position(coarseStart, coarseSize, bucketStart);
        if (i == coarseSize || coarseStart[i] != bucketStart) {
            if (coarseSize == coarseStart.length) {
                int capacity = grown(coarseStart.length, coarseBuckets);
                coarseStart = Arrays.copyOf(coarseStart, capacity);
                coarseGood = Arrays.copyOf(coarseGood, capacity);
                coarseTotal = Arrays.copyOf(coarseTotal, capacity);
            }
            insert(coarseStart, coarseSize, i, bucketStart);
            insert(coarseGood, coarseSize, i, 0);
            insert(coarseTotal, coarseSize, i, 0);
            coarseSize++;
        }
        coarseGood[i] += good;
        coarseTotal[i] += total;
    }

    /** Where {@code start} is or belongs among the first {@code size} ascending starts (the newest end first: that is where windows arrive). */
    private static int position(long[] starts, int size, long start) {
        int i = size;
        while (i > 0 && starts[i - 1] >= start) {
            i--;
        }
        return i;
    }

    /** Removes the first {@code n} of {@code size} entries of parallel arrays; returns the new size. */
    private static int dropFirst(int n, int size, long[]... arrays) {
        if (n > 0) {
            for (long[] a : arrays) {
                System.arraycopy(a, n, a, 0, size - n);
            }
        }
        return size - n;
    }

    private static int grown(int capacity, int ceiling) {
        return Math.min(Math.max(FIRST_CAPACITY, capacity * 2), ceiling);
    }

    private static void insert(long[] a, int size, int at, long value) {
        System.arraycopy(a, at, a, at + 1, size - at);
        a[at] = value;
    }

    /**
     * State of the earlier layout: every array a ring of its full length, unused slots {@link #EMPTY}. Keeps
     * the used entries, ascending.
     */
    private void convertRingLayout() {
        if (fineWindows != 0) {
            return;
        }
        fineWindows = fineStart.length;
        coarseBuckets = coarseStart.length;
        fineSize = compact(fineStart, fineGood, fineTotal);
        coarseSize = compact(coarseStart, coarseGood, coarseTotal);
    }

    private static int compact(long[] start, long[] good, long[] total) {
        Integer[] order = new Integer[start.length];
        int used = 0;
        for (int i = 0; i < start.length; i++) {
            if (start[i] != EMPTY) {
                order[used++] = i;
            }
        }
        Integer[] sorted = Arrays.copyOf(order, used);
        Arrays.sort(sorted, (x, y) -> Long.compare(start[x], start[y]));
        long[][] copy = {start.clone(), good.clone(), total.clone()};
        for (int k = 0; k < used; k++) {
            start[k] = copy[0][sorted[k]];
            good[k] = copy[1][sorted[k]];
            total[k] = copy[2][sorted[k]];
        }
        return used;
    }
}
