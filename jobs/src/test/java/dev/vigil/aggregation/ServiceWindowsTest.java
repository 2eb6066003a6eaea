package dev.vigil.aggregation;

import dev.vigil.events.MetricEvent;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

class ServiceWindowsTest {

    private static final long WINDOW = 10_000;
    private static final long LATENESS = 5_000;

    private KeyedOneInputStreamOperatorTestHarness<ServiceKey, SeriesWindow, SeriesWindow> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new ServiceWindows(WINDOW, LATENESS, 3),
                p -> ServiceKey.of(p.series()),
                TypeInformation.of(ServiceKey.class));
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void mergesThePartialsOfEachSeriesAndEmitsThemWithTheRollupWhenTheWatermarkPassesTheWindow() throws Exception {
        send(partial(0, "api", "a", 10, 20));
        send(partial(0, "api", "a", 30));
        send(partial(0, "api", "b", 40));
        send(partial(WINDOW, "api", "a", 50));
        harness.processWatermark(new Watermark(WINDOW - 2));
        assertThat(counts()).isEmpty();

        harness.processWatermark(new Watermark(WINDOW - 1));
        assertThat(counts()).containsExactly(entry("0 api *", 4L), entry("0 api a", 3L), entry("0 api b", 1L));
        List<SeriesWindow> out = harness.extractOutputValues();
        SeriesWindow a = out.stream().filter(w -> w.series().name().equals("a")).findFirst().orElseThrow();
        assertThat(a.accumulator().maxMs()).isEqualTo(30.0);
        assertThat(a.windowEnd()).isEqualTo(WINDOW);
        SeriesWindow rollup = out.stream().filter(w -> w.series().name().equals("*")).findFirst().orElseThrow();
        assertThat(rollup.accumulator().maxMs()).isEqualTo(40.0);
        assertThat(rollup.accumulator().quantileMs(0.5)).as("rank 2 of 4 and of 3: 20 ms")
                .isEqualTo(a.accumulator().quantileMs(0.5));
    }

    @Test
    void keepsTheFirstNamesOfAWindowAndMergesTheRestUnderOther() throws Exception {
        for (String name : List.of("a", "b", "a", "c", "d", "e", "b", "d")) {
            send(partial(0, "api", name, 5));
        }
        for (String name : List.of("a", "b", "c", "d")) {
            send(partial(0, "db", name, 5));
            send(partial(WINDOW, "api", name, 5));
        }
        harness.processWatermark(new Watermark(2 * WINDOW - 1));
        assertThat(counts()).containsOnly(
                entry("0 api *", 8L), entry("0 api a", 2L), entry("0 api b", 2L), entry("0 api c", 1L),
                entry("0 api __other__", 3L),
                entry("0 db *", 4L), entry("0 db a", 1L), entry("0 db b", 1L), entry("0 db c", 1L),
                entry("0 db __other__", 1L),
                entry("10000 api *", 4L), entry("10000 api a", 1L), entry("10000 api b", 1L),
                entry("10000 api c", 1L), entry("10000 api __other__", 1L));
    }

    @Test
    void aLatePartialWithinTheLatenessUpdatesItsSeriesAndTheRollupAndOneBeyondIsDropped() throws Exception {
        send(partial(0, "api", "a", 10));
        send(partial(0, "api", "b", 10));
        harness.processWatermark(new Watermark(14_998));
        assertThat(harness.extractOutputValues()).hasSize(3);

        send(partial(0, "api", "a", 20));
        List<SeriesWindow> update = harness.extractOutputValues().subList(3, harness.extractOutputValues().size());
        assertThat(update).extracting(w -> w.series().name(), w -> w.accumulator().count())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 2L), org.assertj.core.groups.Tuple.tuple("*", 3L));

        harness.processWatermark(new Watermark(14_999));
        send(partial(0, "api", "a", 30));
        assertThat(harness.extractOutputValues()).hasSize(5);
    }

    @Test
    void forgetsAWindowOnceItCanTakeNoMorePartials() throws Exception {
        send(partial(0, "api", "a", 10));
        assertThat(harness.numKeyedStateEntries()).isPositive();
        harness.processWatermark(new Watermark(WINDOW - 1 + LATENESS));
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aWindowWhoseFirstPartialIsLateIsEmittedOnceRightAway() throws Exception {
        send(partial(WINDOW, "api", "a", 10));
        harness.processWatermark(new Watermark(WINDOW + 2_000));
        send(partial(0, "api", "late", 10));
        assertThat(counts()).containsOnly(entry("0 api *", 1L), entry("0 api late", 1L));
        harness.processWatermark(new Watermark(2 * WINDOW - 1));
        assertThat(harness.extractOutputValues()).filteredOn(w -> w.windowStart() == 0).hasSize(2);
    }

    @ParameterizedTest(name = "allowed lateness {0} ms")
    @ValueSource(longs = {0, 5_000, WINDOW, 3 * WINDOW})
    void manyOpenWindowsEachFireOnceAndAreForgotten(long lateness) throws Exception {
        // A replay where this subtask's input ran far ahead of the watermark: 500 windows open at once.
        try (KeyedOneInputStreamOperatorTestHarness<ServiceKey, SeriesWindow, SeriesWindow> h =
                     ProcessFunctionTestHarnesses.forKeyedProcessFunction(new ServiceWindows(WINDOW, lateness, 3),
                             p -> ServiceKey.of(p.series()), TypeInformation.of(ServiceKey.class))) {
            int windows = 500;
            for (int w = 0; w < windows; w++) {
                for (String name : List.of("a", "b")) {
                    SeriesWindow p = partial(w * WINDOW, "api", name, w + 1);
                    h.processElement(new StreamRecord<>(p, p.maxTimestamp()));
                }
            }
            h.processWatermark(new Watermark(windows * WINDOW / 2 - 1));
            assertThat(h.extractOutputValues()).as("the first half fired, each series and its rollup once")
                    .hasSize(windows / 2 * 3);
            h.processWatermark(new Watermark(windows * WINDOW - 1 + lateness));
            List<SeriesWindow> out = h.extractOutputValues();
            assertThat(out).hasSize(windows * 3);
            assertThat(out.stream().map(x -> x.windowStart() + " " + x.series().name()).distinct()).hasSize(windows * 3);
            assertThat(out).allSatisfy(x -> assertThat(x.accumulator().count()).isEqualTo(x.series().name().equals("*") ? 2 : 1));
            assertThat(h.numKeyedStateEntries()).as("every window forgotten").isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    private void send(SeriesWindow p) throws Exception {
        harness.processElement(new StreamRecord<>(p, p.maxTimestamp()));
    }

    /** "windowStart service name" → count, as emitted (a later emission of the same series replaces the earlier). */
    private Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        harness.extractOutputValues().forEach(w -> counts.put(w.windowStart() + " " + w.series().service() + " " + w.series().name(),
                w.accumulator().count()));
        return counts;
    }

    private static SeriesWindow partial(long start, String service, String name, double... millis) {
        WindowAccumulator acc = new WindowAccumulator();
        for (double ms : millis) {
            acc.add(MetricEvent.request(start + 1, service, name, null, ms, 200, "GET"));
        }
        return new SeriesWindow(new SeriesKey("request", service, name), start, start + WINDOW, acc);
    }
}
