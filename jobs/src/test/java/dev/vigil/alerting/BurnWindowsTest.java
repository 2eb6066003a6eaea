package dev.vigil.alerting;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class BurnWindowsTest {
    private static final long W = 60_000;

    @Test
    void sumsTheWindowsOfASpanExactlyWhileTheyAreInTheFineRing() {
        BurnWindows b = new BurnWindows(W, 10, 5 * W, 10);
        for (int i = 0; i < 8; i++) {
            assertThat(b.record(i * W, i, 10)).isTrue();
        }
        assertThat(b.sum(8 * W, 3 * W)).containsExactly(5 + 6 + 7, 30);
        assertThat(b.sum(8 * W, 8 * W)).containsExactly(28, 80);
        assertThat(b.sum(8 * W, 100 * W)).as("only what was recorded").containsExactly(28, 80);
    }

    @Test
    void aWindowReFiredByLateDataReplacesItsCountsAndIsNotTheNewest() {
        BurnWindows b = new BurnWindows(W, 10, 5 * W, 10);
        b.record(0, 9, 10);
        b.record(W, 9, 10);
        assertThat(b.record(0, 8, 12)).isFalse();
        assertThat(b.sum(2 * W, 2 * W)).containsExactly(17, 22);
    }

    @Test
    void windowsThatLeaveTheRingAreSummedInWholeCoarseBuckets() {
        BurnWindows b = new BurnWindows(W, 4, 5 * W, 10);
        for (int i = 0; i < 20; i++) {
            b.record(i * W, 1, 2);
        }
        // Fine: windows 16..19. Coarse: 0-4, 5-9, 10-14 whole, 15 alone in bucket 15-19.
        assertThat(b.sum(20 * W, 4 * W)).containsExactly(4, 8);
        assertThat(b.sum(20 * W, 10 * W)).as("windows 10..19: buckets 10 and 15 start inside the span").containsExactly(10, 20);
        assertThat(b.sum(20 * W, 12 * W)).as("windows 8..19: bucket 5-9 starts before the span, so it is left out")
                .containsExactly(10, 20);
    }

    @Test
    void aGapLongerThanTheRingMovesEverythingToTheCoarseBuckets() {
        BurnWindows b = new BurnWindows(W, 4, 5 * W, 10);
        b.record(0, 1, 1);
        b.record(W, 1, 1);
        b.record(30 * W, 0, 5);
        assertThat(b.sum(31 * W, 31 * W)).containsExactly(2, 7);
        assertThat(b.sum(31 * W, 4 * W)).containsExactly(0, 5);
    }

    /** Random traffic with gaps and re-fires against a map of every window's newest counts. */
    @Test
    void agreesWithAnOracleOfEveryWindowOverThousandsOfWindows() {
        SplittableRandom random = new SplittableRandom(7);
        int fine = 30;
        long coarse = 10 * W;
        BurnWindows b = new BurnWindows(W, fine, coarse, 40);
        TreeMap<Long, long[]> oracle = new TreeMap<>();
        long newest = 0;
        for (int i = 0; i < 5_000; i++) {
            long start;
            if (random.nextInt(10) == 0 && !oracle.isEmpty()) {
                start = newest - random.nextInt(fine) * W; // a re-fire inside the ring
                if (start < 0 || !oracle.containsKey(start)) {
                    continue;
                }
            } else {
                start = newest + (random.nextInt(20) == 0 ? random.nextInt(2, 50) : 1) * W;
            }
            long total = random.nextInt(100);
            long good = random.nextLong(total + 1);
            b.record(start, good, total);
            oracle.put(start, new long[] {good, total});
            newest = Math.max(newest, start);
            long end = newest + W;
            for (long span : new long[] {W, 5 * W, fine * W, 100 * W, 300 * W}) {
                long[] expected = {0, 0};
                long ringFrom = newest - (fine - 1) * W;
                for (var e : oracle.subMap(end - Math.max(span, 400 * W), end).entrySet()) {
                    long s = e.getKey();
                    boolean inRing = s >= ringFrom;
                    boolean counted = inRing ? s >= end - span : span > fine * W && Math.floorDiv(s, coarse) * coarse >= end - span;
                    if (counted) {
                        expected[0] += e.getValue()[0];
                        expected[1] += e.getValue()[1];
                    }
                }
                assertThat(b.sum(end, span)).as("window %d, span %d", i, span / W).containsExactly(expected);
            }
        }
    }

    @Test
    void holdsOnlyTheWindowsAndBucketsThatHaveCounts() {
        BurnWindows b = new BurnWindows(W, 1440, 60 * W, 720);
        assertThat(b.entries()).isZero();
        for (int i = 0; i < 30; i++) {
            b.record(i * W, 1, 1);
        }
        assertThat(b.entries()).as("30 windows of a 1,440-window span").isEqualTo(30);
        assertThat(b.fineStart.length).isLessThanOrEqualTo(32);
        assertThat(b.coarseStart).isEmpty();
        for (int i = 30; i < 3000; i++) {
            b.record(i * W, 1, 1);
        }
        assertThat(b.fineStart.length).as("never beyond the span").isEqualTo(1440);
        assertThat(b.sum(3000 * W, 1440 * W)).containsExactly(1440, 1440);
        assertThat(b.sum(3000 * W, 3000 * W)).as("buckets from window 0 on").containsExactly(3000, 3000);
    }

    @Test
    void stateOfTheEarlierRingLayoutIsConvertedOnFirstUse() {
        // As the earlier version kept it: full rings, EMPTY in unused slots, ring order by window index.
        BurnWindows old = new BurnWindows();
        old.windowMs = W;
        old.coarseMs = 5 * W;
        old.newestStart = 11 * W;
        old.fineStart = new long[] {8 * W, 9 * W, 10 * W, 11 * W};
        old.fineGood = new long[] {1, 1, 1, 1};
        old.fineTotal = new long[] {2, 2, 2, 2};
        old.coarseStart = new long[] {5 * W, BurnWindows.EMPTY, 0, BurnWindows.EMPTY};
        old.coarseGood = new long[] {3, 0, 5, 0};
        old.coarseTotal = new long[] {6, 0, 10, 0};

        assertThat(old.fineWindows()).isEqualTo(4);
        assertThat(old.sum(12 * W, 12 * W)).as("windows 8..11, buckets 0 and 5").containsExactly(12, 24);
        assertThat(old.record(12 * W, 1, 2)).isTrue();
        assertThat(old.sum(13 * W, 4 * W)).containsExactly(4, 8);
        assertThat(old.sum(13 * W, 13 * W)).as("window 8 joined bucket 5").containsExactly(13, 26);
    }
}
