package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import dev.vigil.model.MetricWindow;
import dev.vigil.model.PackedHistogram;
import dev.vigil.model.SloStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SloStateMachineTest {
    private static final long W = 60_000;
    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00Z

    private static Slo availability(double objective, Duration period, long minCount, List<Slo.BurnTier> tiers) {
        return new Slo("pay-availability", "request", List.of("pay"), List.of(), Slo.Indicator.AVAILABILITY, Double.NaN,
                objective, period, minCount, tiers);
    }

    /** Drives one series through the state machine as {@link SloEvaluator} does; returns "index event severity". */
    private static List<String> run(Slo slo, long[] good, long[] total, List<SloStatus> statuses) {
        SloPlan plan = new SloPlan(slo, W, 2 * W);
        SloState s = new SloState();
        s.windows = plan.newWindows();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < good.length; i++) {
            long start = T0 + i * W;
            SloInput in = new SloInput(slo.name(), "request", "pay", "*", start, start + W, good[i], total[i]);
            assertThat(s.windows.record(start, good[i], total[i])).isTrue();
            SloStateMachine.Reading r = SloStateMachine.read(plan, s.windows, start + W);
            AlertEvent e = SloStateMachine.judge(s, slo, in, r);
            if (e != null) {
                assertThat(e.metric()).isEqualTo("burn_rate");
                assertThat(e.rule()).isEqualTo(slo.name());
                out.add(i + " " + e.event() + " " + e.severity());
            }
            if (statuses != null) {
                statuses.add(SloStateMachine.status(plan, in, s, r));
            }
        }
        return out;
    }

    @Test
    void burnRateAndBudgetArithmetic() {
        assertThat(SloStateMachine.burnRate(990, 1000, 0.999)).isCloseTo(10.0, within(1e-9));
        assertThat(SloStateMachine.burnRate(0, 0, 0.999)).as("no events burn nothing, no NaN").isZero();
        assertThat(SloStateMachine.budgetRemaining(9990, 10_000, 0.999)).isCloseTo(0.0, within(1e-9));
        assertThat(SloStateMachine.budgetRemaining(9995, 10_000, 0.999)).isCloseTo(0.5, within(1e-9));
        assertThat(SloStateMachine.budgetRemaining(9980, 10_000, 0.999)).as("overspent").isCloseTo(-1.0, within(1e-9));
        assertThat(SloStateMachine.budgetRemaining(0, 0, 0.999)).isEqualTo(1.0);
    }

    /**
     * 3 h of 0.05% errors (burn 0.5), 1 h at 2% (burn 20), then 0.05% again, 2,000 events a minute, a
     * 99.9% SLO with the default tiers. By hand (k = minutes of incident):
     * <ul>
     *   <li>3d/6h > 1 (warning): both windows hold the whole history; (180 + 40k) / (2000 (180 + k)) / 0.001 > 1
     *       from k = 5 → firing warning at index 184</li>
     *   <li>1h/5m > 14.4 (critical): (40k + 60 − k) / 120,000 / 0.001 > 14.4 from k = 43 → escalated at 222
     *       (the 5m window is over it from k = 4)</li>
     *   <li>resolved once the 6h window holds too few incident minutes for burn 1: at 590, 351 windows after
     *       the incident's last</li>
     * </ul>
     */
    @Test
    void aScriptedIncidentFiresTheWarningTierEscalatesWhenTheCriticalTierJoinsAndResolvesWhenNoTierHolds() {
        int n = 840;
        long[] good = new long[n];
        long[] total = new long[n];
        for (int i = 0; i < n; i++) {
            total[i] = 2000;
            good[i] = 2000 - (i >= 180 && i < 240 ? 40 : 1);
        }
        List<SloStatus> statuses = new ArrayList<>();
        assertThat(run(availability(0.999, Duration.ofDays(30), 0, Slo.defaultTiers(Duration.ofDays(30))), good, total, statuses))
                .containsExactly("184 firing warning", "222 escalated critical", "590 resolved critical");

        SloStatus atEscalation = statuses.get(222);
        assertThat(atEscalation.burnWindows()).containsExactly("5m", "30m", "1h", "2h", "6h", "1d", "3d");
        assertThat(atEscalation.burnRates()[0]).as("5m: all incident").isCloseTo(20.0, within(1e-9));
        assertThat(atEscalation.burnRates()[2]).as("1h: 43 incident minutes, 17 steady")
                .isCloseTo((43 * 40 + 17) / 120_000.0 / 0.001, within(1e-9));
        assertThat(atEscalation.total()).isEqualTo(223 * 2000L);
        assertThat(atEscalation.good()).isEqualTo(223 * 2000L - 180 - 43 * 40);
        assertThat(atEscalation.budgetRemaining())
                .isCloseTo(1 - (180 + 43 * 40) / (0.001 * 223 * 2000), within(1e-9));
        assertThat(atEscalation.state()).isEqualTo("critical");
        assertThat(statuses.get(100).state()).isEqualTo("ok");
        assertThat(statuses.get(300).state()).as("critical does not fall back to warning").isEqualTo("critical");
    }

    @Test
    void aSteadyServiceInsideItsObjectiveRaisesNothing() {
        long[] good = new long[2000];
        long[] total = new long[2000];
        for (int i = 0; i < good.length; i++) {
            total[i] = 1000;
            good[i] = i % 3 == 0 ? 999 : 1000; // a third of the budget: burn 0.33
        }
        assertThat(run(availability(0.999, Duration.ofDays(30), 0, Slo.defaultTiers(Duration.ofDays(30))), good, total, null)).isEmpty();
    }

    @Test
    void aLowTrafficSeriesDoesNotPageUnderTheMinimumCount() {
        List<Slo.BurnTier> critical = List.of(new Slo.BurnTier(Severity.CRITICAL, Duration.ofHours(1), Duration.ofMinutes(5), 14.4));
        long[] good = new long[120];
        long[] total = new long[120];
        for (int i = 0; i < good.length; i++) {
            total[i] = 5;
            good[i] = 2; // 60% errors: burn 600, but only 25 events per 5 minutes
        }
        assertThat(run(availability(0.999, Duration.ofDays(30), 0, critical), good, total, null))
                .as("default min_count: ceil(1 / (0.001 * 14.4)) = 70 events in 5m").isEmpty();
        assertThat(run(availability(0.999, Duration.ofDays(30), 20, critical), good, total, null))
                .as("min_count 20: judged from the fourth window").containsExactly("3 firing critical");
    }

    @Test
    void anSloWithoutTiersOnlyReports() {
        List<SloStatus> statuses = new ArrayList<>();
        assertThat(run(availability(0.99, Duration.ofDays(30), 0, List.of()), new long[] {0, 0}, new long[] {10, 10}, statuses)).isEmpty();
        assertThat(statuses.get(1).budgetRemaining()).isCloseTo(1 - 20 / (0.01 * 20), within(1e-9));
        assertThat(statuses.get(1).burnWindows()).isEmpty();
    }

    @Test
    void tierWindowsScaleWithThePeriodAndRoundToWholeWindows() {
        Slo oneDay = availability(0.99, Duration.ofDays(1), 0, Slo.defaultTiers(Duration.ofDays(1)));
        SloPlan plan = new SloPlan(oneDay, 10_000, 0);
        // 30d → 1d is 1/30: 1h → 2m, 5m → 10s, 6h → 12m, 30m → 1m, 1d → 48m, 2h → 4m, 3d → 2h24m, 6h → 12m
        assertThat(plan.reportedLabels).containsExactly("10s", "1m", "2m", "4m", "12m", "48m", "144m");
        assertThat(plan.periodMs).isEqualTo(Duration.ofDays(1).toMillis());
        SloPlan minutes = new SloPlan(oneDay, 60_000, 0);
        assertThat(minutes.reportedLabels).as("at least one window").containsExactly("1m", "2m", "4m", "12m", "48m", "144m");
    }

    /** Good = the events whose bucket's upper edge is at most the threshold, as a percentile would report them. */
    @Test
    void theLatencyIndicatorCountsGoodEventsFromTheHistogramBucketExactly() {
        Slo latency = new Slo("pay-latency", "request", List.of("pay"), List.of(), Slo.Indicator.LATENCY, 300, 0.99,
                Duration.ofDays(30), 0, Slo.defaultTiers(Duration.ofDays(30)));
        long under = PackedHistogram.bucketIndex(297_000_000L); // 1% under: its bucket ends below 300 ms
        long at = PackedHistogram.bucketIndex(300_000_000L);
        long over = PackedHistogram.bucketIndex(303_000_000L);
        assertThat(PackedHistogram.bucketUpperNanos(under)).isLessThanOrEqualTo(300_000_000L);
        assertThat(PackedHistogram.bucketUpperNanos(at)).as("the bucket holding 300 ms ends above it").isGreaterThan(300_000_000L);
        long[] hist = {PackedHistogram.pack(PackedHistogram.bucketIndex(5_000_000L), 90), PackedHistogram.pack(under, 4),
                PackedHistogram.pack(at, 3), PackedHistogram.pack(over, 2)};
        MetricWindow w = new MetricWindow("request", "pay", "*", T0, T0 + W, 99, 1, null, null, 5, 10, 5, 5, 5, 300, 303,
                303, hist);
        assertThat(latency.goodIn(w)).isEqualTo(94);
        MetricWindow noDurations = new MetricWindow("request", "pay", "*", T0, T0 + W, 3, 0, null, null, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null);
        assertThat(latency.goodIn(noDurations)).isZero();
    }
}
