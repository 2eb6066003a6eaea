package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AlertEvaluatorTest {

    static final long W = 10_000;
    static final SlaRules RULES = SlaRules.parse("""
            rules:
              - name: p95
                type: request
                metric: p95_ms
                warning: 400
                critical: 500
                for: 1
                resolve_after: 1
            """, "test");

    private KeyedOneInputStreamOperatorTestHarness<String, RuleInput, AlertEvent> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new AlertEvaluator(RULES), RuleInput::key, Types.STRING);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void aFiringSeriesThatGoesQuietStaysFiringUntilItReportsAndPasses() throws Exception {
        send(0, 600);
        assertThat(events()).containsExactly("firing");

        harness.processWatermark(new Watermark(W + 5 * AlertEvaluator.QUIET_WINDOWS * W));
        assertThat(events()).as("silence is not recovery").containsExactly("firing");
        assertThat(harness.numKeyedStateEntries()).isPositive();

        send(50 * W, 100);
        assertThat(events()).containsExactly("firing", "resolved");
    }

    @Test
    void aQuietSeriesThatIsNotFiringIsForgotten() throws Exception {
        send(0, 100);
        assertThat(harness.numKeyedStateEntries()).isPositive();
        harness.processWatermark(new Watermark(W + AlertEvaluator.QUIET_WINDOWS * W - 1));
        assertThat(harness.numKeyedStateEntries()).isPositive();
        harness.processWatermark(new Watermark(W + AlertEvaluator.QUIET_WINDOWS * W));
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void aSeriesThatKeepsReportingKeepsItsState() throws Exception {
        for (int i = 0; i < 30; i++) {
            send(i * W, 100);
            harness.processWatermark(new Watermark((i + 1) * W));
        }
        assertThat(harness.numKeyedStateEntries()).isPositive();
        assertThat(harness.numEventTimeTimers()).as("one timer, not moved on every window").isEqualTo(1);
        assertThat(events()).isEmpty();

        // Quiet exactly QUIET_WINDOWS after its last window (window 29 ends at 30 W), not after the first.
        harness.processWatermark(new Watermark(30 * W + AlertEvaluator.QUIET_WINDOWS * W - 1));
        assertThat(harness.numKeyedStateEntries()).isPositive();
        harness.processWatermark(new Watermark(30 * W + AlertEvaluator.QUIET_WINDOWS * W));
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void theEndOfABoundedInputIsNotSilence() throws Exception {
        send(0, 600);
        harness.processWatermark(new Watermark(Long.MAX_VALUE));
        assertThat(events()).containsExactly("firing");
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void aSeriesHoldsOneStateEntryPerRuleNotItsLastRow() throws Exception {
        send(0, 100);
        send(W, 100);
        assertThat(harness.numKeyedStateEntries()).as("the alert state alone").isEqualTo(1);
    }

    @Test
    void theLastRowsEarlierVersionsKeptAreClearedWhenTheirSeriesIsForgotten() throws Exception {
        send(0, 100);
        // What a savepoint of an earlier version restores: its every (rule, series) also held its last row.
        RuleInput last = input(0, 100);
        harness.getOperator().getKeyedStateBackend().setCurrentKey(last.key());
        harness.getOperator().getKeyedStateBackend().getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE,
                new ValueStateDescriptor<>("last-window", TypeInformation.of(RuleInput.class))).update(last);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);

        harness.processWatermark(new Watermark(W + AlertEvaluator.QUIET_WINDOWS * W));
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    private void send(long windowStart, double p95) throws Exception {
        harness.processElement(new StreamRecord<>(input(windowStart, p95), windowStart + W - 1));
    }

    private static RuleInput input(long windowStart, double p95) {
        MetricWindow w = new MetricWindow("request", "api", "GET /x", windowStart, windowStart + W, 100, 0, null, null,
                1, 1, 1, 1, p95, p95, p95, p95, null);
        return new RuleInput("p95", w);
    }

    private List<String> events() {
        return harness.extractOutputValues().stream().map(AlertEvent::event).toList();
    }
}
