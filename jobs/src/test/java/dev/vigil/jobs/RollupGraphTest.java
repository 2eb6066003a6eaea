package dev.vigil.jobs;

import dev.vigil.aggregation.AggregationSettings;
import dev.vigil.aggregation.PeriodRollups;
import dev.vigil.events.MetricEvent;
import dev.vigil.model.Decoded;
import dev.vigil.model.MetricWindow;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The hourly and daily rollups of the whole graph in memory: each is exactly the merge of its windows'
 * final rows, late data included, and within 1% of the exact quantiles of the raw events.
 */
class RollupGraphTest {

    static final long DAY0 = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final Duration LATENESS = Duration.ofMinutes(2);

    @Test
    void hourlyAndDailyRowsAreTheMergeOfTheirWindowsLateDataIncluded() throws Exception {
        // 30 hours across two UTC days, then late events: one for the last minute of an hour that has
        // closed already (its hour and day rows must come out again), one within an open hour.
        long span = 30 * PeriodRollups.HOUR_MS;
        List<MetricEvent> events = new ArrayList<>(Workload.generate(5, 30_000, DAY0, span));
        List<Decoded> input = new ArrayList<>(events.stream().map(Decoded::valid).toList());
        long hourEnd = DAY0 + 24 * PeriodRollups.HOUR_MS; // midnight: the end of day one and of its last hour
        int insertAt = indexOfFirstAtOrAfter(events, hourEnd + 70_000);
        List<MetricEvent> late = List.of(
                MetricEvent.request(hourEnd - 20_000, "checkout", "GET /late", null, 480.0, 500, "GET"),
                MetricEvent.request(hourEnd + 10_000, "checkout", "GET /late", null, 2.5, 200, "GET"));
        input.addAll(insertAt, late.stream().map(Decoded::valid).toList());
        events.addAll(late);

        InMemoryPipeline.Result result = InMemoryPipeline.run(input,
                new AggregationSettings(WINDOW, LATENESS, 2000, AggregationSettings.DEFAULT_MAX_BUFFERED_PARTIALS),
                Duration.ofSeconds(5), 2);

        assertThat(result.deadLetters()).as("nothing was too late").isEmpty();
        Map<String, MetricWindow> rollups = result.rollups();
        Map<String, MetricWindow> expectedHours = RollupOracle.merge(result.rows().values(), PeriodRollups.HOUR_MS);
        Map<String, MetricWindow> expectedDays = RollupOracle.merge(result.rows().values(), PeriodRollups.DAY_MS);
        assertThat(expectedDays.keySet()).as("two UTC days").allMatch(k -> k.contains("@" + DAY0 + "+")
                || k.contains("@" + hourEnd + "+"));
        List<String> keys = new ArrayList<>(expectedHours.keySet());
        keys.addAll(expectedDays.keySet());
        assertThat(rollups.keySet()).containsExactlyInAnyOrderElementsOf(keys);
        expectedHours.forEach((k, row) -> RollupOracle.assertSameRow(k, rollups.get(k), row));
        expectedDays.forEach((k, row) -> RollupOracle.assertSameRow(k, rollups.get(k), row));

        String lateHour = Oracle.key("request", "checkout", "GET /late", hourEnd - PeriodRollups.HOUR_MS) + "+"
                + PeriodRollups.HOUR_MS;
        assertThat(rollups.get(lateHour).count()).as("the late event's closed hour came out again").isEqualTo(1);
        assertThat(result.rollupVersions().stream().filter(w -> w.name().equals("GET /late")
                && w.windowEnd() - w.windowStart() == PeriodRollups.HOUR_MS && w.windowStart() == hourEnd - PeriodRollups.HOUR_MS))
                .as("written once, when the late event changed the closed hour").hasSize(1);

        // Against the raw events: counts exact, quantiles within 1% (the histogram's bound).
        for (long period : new long[] {PeriodRollups.HOUR_MS, PeriodRollups.DAY_MS}) {
            for (Oracle.Expected x : Oracle.expect(events, period).values()) {
                MetricWindow row = rollups.get(x.key() + "+" + period);
                assertThat(row.count()).as(x.key()).isEqualTo(x.count);
                assertThat(row.errors()).as(x.key()).isEqualTo(x.errors);
                if (!x.type.equals("cache")) {
                    double exact = x.quantile(0.99);
                    assertThat(row.p99Ms()).as(x.key() + " p99").isCloseTo(exact, within(exact * 0.01));
                }
            }
        }
    }

    @Test
    void aWindowThatDoesNotDivideAnHourIsRefusedInWords() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AggregationSettings(Duration.ofSeconds(7),
                        LATENESS, 10, 10))
                .hasMessage("the window must divide one hour evenly (such as 10s, 30s, 1m, 5m or 15m) so that every "
                        + "hourly rollup merges whole windows; got 7000 ms");
    }

    private static int indexOfFirstAtOrAfter(List<MetricEvent> events, long ts) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).ts() >= ts) {
                return i;
            }
        }
        return events.size();
    }
}
