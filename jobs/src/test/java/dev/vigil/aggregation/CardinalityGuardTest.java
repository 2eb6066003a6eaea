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

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CardinalityGuardTest {

    private static final long WINDOW = 10_000;
    private static final long LATENESS = 5_000;

    private KeyedOneInputStreamOperatorTestHarness<ServiceWindowKey, SeriesWindow, SeriesWindow> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new CardinalityGuard(LATENESS, 3),
                ServiceWindowKey::of,
                TypeInformation.of(ServiceWindowKey.class));
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void letsTheFirstNamesThroughAndFoldsTheRestIntoOther() throws Exception {
        for (String name : List.of("a", "b", "a", "c", "d", "e", "b", "d")) {
            send(partial(0, "api", name, 2));
        }
        assertThat(names()).containsExactly("a", "b", "a", "c", "__other__", "__other__", "b", "__other__");
        assertThat(harness.extractOutputValues()).allSatisfy(p -> assertThat(p.accumulator().count()).isEqualTo(2));
    }

    @Test
    void countsNamesPerServiceAndPerWindow() throws Exception {
        for (String name : List.of("a", "b", "c", "d")) {
            send(partial(0, "api", name, 1));
            send(partial(0, "db", name, 1));
            send(partial(WINDOW, "api", name, 1));
        }
        assertThat(names()).filteredOn("__other__"::equals).hasSize(3); // one per (service, window)
    }

    @Test
    void dropsAndCountsAPartialWhoseWindowHasClosed() throws Exception {
        send(partial(0, "api", "a", 1));
        // Window [0, 10000): max timestamp 9999, so it takes partials while the watermark < 14999.
        harness.processWatermark(new Watermark(14_998));
        send(partial(0, "api", "late-but-allowed", 1));
        harness.processWatermark(new Watermark(14_999));
        send(partial(0, "api", "too-late", 4));

        assertThat(names()).containsExactly("a", "late-but-allowed");
    }

    @Test
    void clearsItsStateOnceTheWindowCanTakeNoMoreEvents() throws Exception {
        send(partial(0, "api", "a", 1));
        assertThat(harness.numKeyedStateEntries()).isPositive();
        harness.processWatermark(new Watermark(WINDOW - 1 + LATENESS));
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    private void send(SeriesWindow p) throws Exception {
        harness.processElement(new StreamRecord<>(p, p.maxTimestamp()));
    }

    private List<String> names() {
        return harness.extractOutputValues().stream().map(p -> p.series().name()).toList();
    }

    private static SeriesWindow partial(long start, String service, String name, int events) {
        WindowAccumulator acc = new WindowAccumulator();
        for (int i = 0; i < events; i++) {
            acc.add(MetricEvent.request(start + i, service, name, null, 5, 200, "GET"));
        }
        return new SeriesWindow(new SeriesKey("request", service, name), start, start + WINDOW, acc);
    }
}
