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
}
