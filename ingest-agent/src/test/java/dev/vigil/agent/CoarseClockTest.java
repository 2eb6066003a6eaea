package dev.vigil.agent;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class CoarseClockTest {

    @Test
    void tracksTheWallClockWhileAnAgentIsOpenAndStopsAfterTheLast() throws Exception {
        EventRing a = new EventRing(1024);
        EventRing b = new EventRing(1024);
        CoarseClock.acquire(a);
        CoarseClock.acquire(b);
        try {
            for (int i = 0; i < 20; i++) {
                Thread.sleep(7);
                assertTracksTheWallClock();
            }
            assertThat(CoarseClock.ticking()).as("nothing recorded: callers read the system clock").isFalse();
        } finally {
            CoarseClock.release(a);
            assertThat(CoarseClock.running()).as("one user left").isTrue();
            CoarseClock.release(b);
        }
        assertThat(CoarseClock.running()).isFalse();
        CoarseClock.release(b); // an extra release does nothing
        assertThat(CoarseClock.running()).isFalse();
    }

    @Test
    void ticksWhileEventsComeFastAndStopsWhenTheyStop() throws Exception {
        EventRing ring = new EventRing(1 << 16);
        CoarseClock.acquire(ring);
        try {
            Thread drainer = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    ring.drain((t, ts, n, d, e, s, h, l, c) -> { }, 4096);
                }
            });
            drainer.start();
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!CoarseClock.ticking() && System.nanoTime() < until) {
                for (int i = 0; i < 10_000; i++) {
                    ring.offer(CoarseClock.millis(), "x", 1, 0, 0); // millions a second
                }
            }
            assertThat(CoarseClock.ticking()).as("fast events turn the ticker on").isTrue();
            for (int i = 0; i < 1_000; i++) {
                ring.offer(CoarseClock.millis(), "x", 1, 0, 0);
            }
            assertTracksTheWallClock();
            drainer.interrupt();
            drainer.join();
            await().atMost(Duration.ofSeconds(5)).until(() -> !CoarseClock.ticking());
        } finally {
            CoarseClock.release(ring);
        }
        assertThat(CoarseClock.ticking()).isFalse();
    }

    /** At most 25 ms behind the wall clock, never ahead of it (read on both sides: the clock may be the wall clock itself). */
    private static void assertTracksTheWallClock() {
        long before = System.currentTimeMillis();
        long millis = CoarseClock.millis();
        long after = System.currentTimeMillis();
        assertThat(millis).isBetween(before - 25, after);
    }
}
