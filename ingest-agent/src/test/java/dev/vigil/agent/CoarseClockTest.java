package dev.vigil.agent;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CoarseClockTest {

    @Test
    void tracksTheWallClockWhileAnAgentIsOpenAndStopsAfterTheLast() throws Exception {
        CoarseClock.acquire();
        CoarseClock.acquire();
        try {
            for (int i = 0; i < 20; i++) {
                Thread.sleep(7);
                long wall = System.currentTimeMillis();
                assertThat(CoarseClock.millis()).isBetween(wall - 25, wall);
            }
        } finally {
            CoarseClock.release();
            assertThat(CoarseClock.running()).as("one user left").isTrue();
            CoarseClock.release();
        }
        assertThat(CoarseClock.running()).isFalse();
        CoarseClock.release(); // an extra release does nothing
        assertThat(CoarseClock.running()).isFalse();
    }
}
