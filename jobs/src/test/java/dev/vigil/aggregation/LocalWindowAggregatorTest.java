package dev.vigil.aggregation;

import dev.vigil.events.MetricEvent;
import dev.vigil.model.Decoded;
import dev.vigil.model.DeadLetter;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LocalWindowAggregatorTest {

    private static final long WINDOW = 10_000;
    private static final long LATENESS = 5_000;
    private static final OutputTag<DeadLetter> DEAD = new OutputTag<>("dead", TypeInformation.of(DeadLetter.class));

    private OneInputStreamOperatorTestHarness<Decoded, SeriesWindow> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = new OneInputStreamOperatorTestHarness<>(new LocalWindowAggregator(WINDOW, LATENESS, 5, Long.MAX_VALUE, DEAD));
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void holdsEventsUntilTheWatermarkPassesTheWindowThenSendsOnePartialPerSeriesBeforeTheWatermark() throws Exception {
        send(request(1_000, "a", 10));
        send(request(2_000, "a", 30));
        send(request(3_000, "b", 20));
        send(request(WINDOW + 1_000, "a", 40));
        harness.processWatermark(new Watermark(WINDOW - 2));
        assertThat(partials()).isEmpty();

        harness.processWatermark(new Watermark(WINDOW - 1));
        List<Object> output = new ArrayList<>(harness.getOutput());
        assertThat(output).hasSize(4).first().isEqualTo(new Watermark(WINDOW - 2));
        assertThat(output).last().as("the partials go before the watermark that closes their window")
                .isEqualTo(new Watermark(WINDOW - 1));
        assertThat(partials()).extracting(p -> p.series().name(), p -> p.windowStart(), p -> p.accumulator().count(),
                        p -> p.accumulator().maxMs())
                .containsExactlyInAnyOrder(Tuple.tuple("a", 0L, 2L, 30.0),
                        Tuple.tuple("b", 0L, 1L, 20.0));
        @SuppressWarnings("unchecked")
        StreamRecord<SeriesWindow> first = (StreamRecord<SeriesWindow>) output.get(1);
        assertThat(first.getTimestamp()).as("the window's max timestamp, so it lands in the same window downstream")
                .isEqualTo(WINDOW - 1);
    }

    @Test
    void aLateEventWithinTheLatenessIsAPartialOfItsOwnAndOneBeyondIsADeadLetter() throws Exception {
        send(request(1_000, "a", 10));
        harness.processWatermark(new Watermark(14_998));
        send(request(2_000, "late-but-allowed", 20));
        harness.processWatermark(new Watermark(14_999));
        send(request(3_000, "too-late", 30));
        harness.processWatermark(new Watermark(15_000));

        assertThat(partials()).extracting(p -> p.series().name()).containsExactly("a", "late-but-allowed");
        assertThat(harness.getSideOutput(DEAD)).singleElement().satisfies(r -> {
            assertThat(r.getValue().reason()).isEqualTo("late");
            assertThat(new String(r.getValue().value(), StandardCharsets.UTF_8)).contains("\"name\":\"too-late\"");
        });
    }

    @Test
    void sendsEverythingBeforeACheckpointBarrierSoItHasNoStateToSnapshot() throws Exception {
        send(request(1_000, "a", 10));
        send(request(WINDOW + 1_000, "a", 10));
        harness.prepareSnapshotPreBarrier(1);
        assertThat(partials()).hasSize(2);
        harness.processWatermark(new Watermark(Long.MAX_VALUE));
        assertThat(partials()).as("nothing held back, nothing sent twice").hasSize(2);
    }

    @Test
    void sendsEverythingWhenTheSubtaskGoesIdle() throws Exception {
        send(request(1_000, "a", 10));
        harness.processWatermarkStatus(WatermarkStatus.IDLE);
        assertThat(partials()).singleElement().satisfies(p -> assertThat(p.accumulator().count()).isEqualTo(1));
    }

    @Test
    void sendsEverythingOnceItHoldsMoreThanItsLimit() throws Exception {
        for (int i = 0; i < 5; i++) {
            send(request(1_000, "s" + i, 10));
        }
        assertThat(partials()).isEmpty();
        send(request(1_000, "s5", 10));
        assertThat(partials()).hasSize(6);
        send(request(1_000, "s0", 10));
        harness.processWatermark(new Watermark(Long.MAX_VALUE));
        assertThat(partials()).hasSize(7).extracting(p -> p.accumulator().count()).containsOnly(1L);
    }

    @Test
    void sendsEverythingOnceThePartialsTakeMoreThanTheirBytes() throws Exception {
        var bounded = new OneInputStreamOperatorTestHarness<>(
                new LocalWindowAggregator(WINDOW, LATENESS, Integer.MAX_VALUE, 8 * 1024, DEAD));
        bounded.open();
        java.util.Random random = new java.util.Random(5);
        WindowAccumulator all = new WindowAccumulator();
        for (int i = 0; i < 20_000; i++) {
            // One series whose durations spread over hundreds of buckets: its histogram outgrows 8 KB.
            MetricEvent e = request(1_000, "one", Math.exp(3 + 2 * random.nextGaussian()));
            all.add(e);
            bounded.processElement(new StreamRecord<>(Decoded.valid(e), e.ts()));
        }
        assertThat(bounded.extractOutputValues()).as("sent before the watermark, by bytes alone").isNotEmpty();
        bounded.processWatermark(new Watermark(Long.MAX_VALUE));
        List<SeriesWindow> sent = bounded.extractOutputValues();
        assertThat(sent.size()).as("the count of bytes restarts after each send").isBetween(2, 40);
        WindowAccumulator merged = new WindowAccumulator();
        sent.forEach(p -> merged.merge(p.accumulator()));
        assertThat(merged).as("splitting loses nothing").isEqualTo(all);
        bounded.close();
    }

    private void send(MetricEvent e) throws Exception {
        harness.processElement(new StreamRecord<>(Decoded.valid(e), e.ts()));
    }

    private List<SeriesWindow> partials() {
        return harness.extractOutputValues();
    }

    private static MetricEvent request(long ts, String name, double ms) {
        return MetricEvent.request(ts, "api", name, null, ms, 200, "GET");
    }
}
