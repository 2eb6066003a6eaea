package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SilenceEvaluatorTest {
    static final long W = 10_000;
    static final long FOR = 30_000;
    static final SlaRules RULES = SlaRules.parse("""
            silence:
              - name: service-silent
                services: ["*"]
                for: 30s
            """, "test");

    private KeyedOneInputStreamOperatorTestHarness<String, SilenceInput, AlertEvent> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = newHarness();
        harness.setProcessingTime(1_000_000);
        harness.open();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, SilenceInput, AlertEvent> newHarness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(new SilenceEvaluator(RULES)),
                SilenceInput::key, Types.STRING);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private void window(String service, long start) throws Exception {
        harness.processElement(new StreamRecord<>(new SilenceInput("service-silent", "request", service, "*", start, start + W),
                start + W - 1));
    }

    private List<String> events() {
        return harness.extractOutputValues().stream()
                .map(a -> a.service() + " " + a.event() + " " + a.severity() + " " + a.metric() + " @" + a.windowStart() / W)
                .toList();
    }

    @Test
    void bySilenceOfEventTimeWhileOthersReportThenResolvesWhenTheSeriesReturns() throws Exception {
        window("pay", 0);
        window("pay", W);
        harness.processWatermark(new Watermark(2 * W + FOR - 1));
        assertThat(events()).isEmpty();
        harness.processWatermark(new Watermark(2 * W + FOR));
        assertThat(events()).containsExactly("pay firing critical silence @1");
        AlertEvent firing = harness.extractOutputValues().get(0);
        assertThat(firing.startedAt()).as("the silence began when its last window ended").isEqualTo(2 * W);
        assertThat(firing.value()).isEqualTo(30.0);
        harness.processWatermark(new Watermark(100 * W));
        assertThat(events()).as("fires once").hasSize(1);

        window("pay", 101 * W);
        assertThat(events()).containsExactly("pay firing critical silence @1", "pay resolved critical silence @101");
        AlertEvent resolved = harness.extractOutputValues().get(1);
        assertThat(resolved.status()).isEqualTo("resolved");
        assertThat(resolved.value()).as("seconds without events").isEqualTo(990.0);
        assertThat(resolved.summary()).contains("reporting again after 990s");
    }

    @Test
    void aGapTheWatermarkJumpedOverFiresAndResolvesWhenTheNextWindowShowsIt() throws Exception {
        window("pay", 0);
        window("pay", W + FOR - W); // a gap of 20 s: under `for`
        window("pay", 5 * W + FOR); // a gap of 30 s + 10 s after window 3's end
        assertThat(events()).containsExactly("pay firing critical silence @3", "pay resolved critical silence @8");
        harness.processWatermark(new Watermark(11 * W));
        assertThat(events()).as("the timer of window 3 does not fire it again").hasSize(2);
        assertThat(harness.extractOutputValues().get(0).alertId()).as("the id the timer would have given it")
                .isEqualTo(AlertStateMachine.alertId("service-silent", "request", "pay", "*", 3 * W, "firing"));
    }

    @Test
    void aSeriesThatKeepsReportingNeverFiresAndOneNeverSeenNeither() throws Exception {
        for (int i = 0; i < 50; i++) {
            window("pay", i * W);
            harness.processWatermark(new Watermark(i * W + W));
        }
        assertThat(events()).isEmpty();
    }

    @Test
    void whenEverythingGoesSilentTheProcessingClockFiresItOnceAfterForPlusAWindow() throws Exception {
        window("pay", 0);
        harness.setProcessingTime(1_000_000 + FOR + W - 1);
        assertThat(events()).isEmpty();
        harness.setProcessingTime(1_000_000 + FOR + W);
        assertThat(events()).containsExactly("pay firing critical silence @0");
        harness.processWatermark(new Watermark(10 * W));
        assertThat(events()).as("event time, catching up, does not fire it again").hasSize(1);
        assertThat(harness.extractOutputValues().get(0).alertId())
                .as("the id event time would have given it")
                .isEqualTo(AlertStateMachine.alertId("service-silent", "request", "pay", "*", 0, "firing"));
    }

    @Test
    void aRestartAfterDowntimeGivesEverySeriesAWholeForToReportBeforeTheProcessingClockJudges() throws Exception {
        window("pay", 0);
        OperatorSubtaskState snapshot = harness.snapshot(1, 1_000_100);
        harness.close();

        // Back two hours later: the restored timer is long due, but the series gets its chance first.
        harness = newHarness();
        harness.setProcessingTime(1_000_000 + 7_200_000);
        harness.initializeState(snapshot);
        harness.open();
        window("pay", W); // it reports
        harness.setProcessingTime(1_000_000 + 7_200_000 + FOR + W - 1);
        assertThat(events()).isEmpty();
        harness.setProcessingTime(1_000_000 + 7_200_000 + FOR + W + 10);
        assertThat(events()).as("silent since the restart, now for real").containsExactly("pay firing critical silence @1");
    }
}
