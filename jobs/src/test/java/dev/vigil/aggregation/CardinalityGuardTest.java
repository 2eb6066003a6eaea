package dev.vigil.aggregation;

import dev.vigil.events.MetricEvent;
import dev.vigil.jobs.source.DeadLetter;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CardinalityGuardTest {

    private static final long WINDOW = 10_000;
    private static final long LATENESS = 5_000;
    private static final OutputTag<DeadLetter> DEAD = new OutputTag<>("dead", TypeInformation.of(DeadLetter.class));

    private KeyedOneInputStreamOperatorTestHarness<ServiceWindowKey, MetricEvent, MetricEvent> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new CardinalityGuard(WINDOW, LATENESS, 3, DEAD),
                e -> ServiceWindowKey.of(e, WINDOW),
                TypeInformation.of(ServiceWindowKey.class));
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void letsTheFirstNamesThroughAndFoldsTheRestIntoOther() throws Exception {
        for (String name : List.of("a", "b", "a", "c", "d", "e", "b", "d")) {
            send(event(1_000, "api", name));
        }
        assertThat(names()).containsExactly("a", "b", "a", "c", "__other__", "__other__", "b", "__other__");
    }

    @Test
    void countsNamesPerServiceAndPerWindow() throws Exception {
        for (String name : List.of("a", "b", "c", "d")) {
            send(event(1_000, "api", name));
            send(event(1_000, "db", name));
            send(event(WINDOW + 1_000, "api", name));
        }
        assertThat(names()).filteredOn("__other__"::equals).hasSize(3); // one per (service, window)
    }

    @Test
    void sendsEventsPastTheAllowedLatenessToTheDeadLettersAsLate() throws Exception {
        send(event(1_000, "api", "a"));
        // Window [0, 10000): max timestamp 9999, so it takes late events while the watermark < 14999.
        harness.processWatermark(new Watermark(14_998));
        send(event(2_000, "api", "late-but-allowed"));
        harness.processWatermark(new Watermark(14_999));
        send(event(3_000, "api", "too-late"));

        assertThat(names()).containsExactly("a", "late-but-allowed");
        assertThat(harness.getSideOutput(DEAD)).singleElement().satisfies(r -> {
            assertThat(r.getValue().reason()).isEqualTo("late");
            assertThat(new String(r.getValue().value(), StandardCharsets.UTF_8)).contains("\"name\":\"too-late\"");
        });
    }

    @Test
    void clearsItsStateOnceTheWindowCanTakeNoMoreEvents() throws Exception {
        send(event(1_000, "api", "a"));
        assertThat(harness.numKeyedStateEntries()).isPositive();
        harness.processWatermark(new Watermark(WINDOW - 1 + LATENESS));
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    private void send(MetricEvent e) throws Exception {
        harness.processElement(new StreamRecord<>(e, e.ts()));
    }

    private List<String> names() {
        return harness.extractOutputValues().stream().map(MetricEvent::name).toList();
    }

    private static MetricEvent event(long ts, String service, String name) {
        return MetricEvent.request(ts, service, name, null, 5, 200, "GET");
    }
}
