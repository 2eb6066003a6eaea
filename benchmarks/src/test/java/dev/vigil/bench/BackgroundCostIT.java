package dev.vigil.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Smoke test: the background measurement runs end to end against a real broker on a small N. */
class BackgroundCostIT {

    @Test
    void measuresDeliveredEventsWithoutLosingAny() throws Exception {
        BackgroundCost.Result r = BackgroundCost.measure(20_000);
        assertThat(r.stats().sent()).isEqualTo(40_000); // warm-up + measured
        assertThat(r.stats().dropped() + r.stats().failed()).isZero();
        assertThat(r.cpuNanosPerEvent()).isPositive();
        assertThat(r.eventsPerSecond()).isPositive();
    }

    @Test
    void thePacedMeasurementDeliversEverythingAtTheRateAsked() throws Exception {
        BackgroundCost.Result r = BackgroundCost.measurePaced(5_000, 1);
        assertThat(r.stats().sent()).isEqualTo(r.stats().accepted());
        assertThat(r.stats().dropped() + r.stats().failed()).isZero();
        assertThat(r.eventsPerSecond()).isBetween(4_000.0, 5_001.0);
        assertThat(r.cpuNanosPerEvent()).isPositive();
    }
}
