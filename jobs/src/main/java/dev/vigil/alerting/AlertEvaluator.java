package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.HashMap;
import java.util.Map;

/**
 * Runs {@link AlertStateMachine} per (rule, series) on event time. A series that sends no window for
 * {@value #QUIET_WINDOWS} window lengths is forgotten, so state does not grow with every series ever
 * seen — unless its alert is firing: a series that stopped reporting has not recovered, so its alert
 * stays firing until windows pass again (a silence rule says that it went quiet).
 */
public final class AlertEvaluator extends KeyedProcessFunction<String, RuleInput, AlertEvent> {
    private static final long serialVersionUID = 1L;
    static final int QUIET_WINDOWS = 10;

    private final SlaRules rules;
    private transient Map<String, SlaRule> byName;
    private transient ValueState<AlertState> state;
    /**
     * Written by earlier versions (every window's row, never read since silence rules took over what it
     * was for) and still in their savepoints: it is only cleared, key by key, as series are forgotten,
     * so state restored from them does not stay forever.
     */
    private transient ValueState<RuleInput> formerLastWindow;
    private transient Counter transitions;

    public AlertEvaluator(SlaRules rules) {
        this.rules = rules;
    }

    @Override
    public void open(OpenContext openContext) {
        byName = new HashMap<>();
        rules.rules().forEach(r -> byName.put(r.name(), r));
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("alert-state", TypeInformation.of(AlertState.class)));
        formerLastWindow = getRuntimeContext().getState(new ValueStateDescriptor<>("last-window", TypeInformation.of(RuleInput.class)));
        transitions = getRuntimeContext().getMetricGroup().counter("alertTransitions");
    }

    @Override
    public void processElement(RuleInput input, Context ctx, Collector<AlertEvent> out) throws Exception {
        SlaRule rule = byName.get(input.rule());
        AlertState s = state.value();
        if (s == null) {
            s = new AlertState();
        }
        MetricWindow w = input.window();
        AlertEvent event = AlertStateMachine.judge(s, rule, w);
        if (event != null) {
            transitions.inc();
            out.collect(event);
        }
        // The timer is not moved on every window (a delete and an insert in the timer heap per window and
        // rule, the largest cost of this operator with many series): it fires where it was set and, if
        // the series reported since, is set again for the latest quiet instant.
        s.quietAt = Math.max(s.quietAt, w.windowEnd() + QUIET_WINDOWS * (w.windowEnd() - w.windowStart()));
        if (s.quietTimer == Long.MIN_VALUE) {
            ctx.timerService().registerEventTimeTimer(s.quietAt);
            s.quietTimer = s.quietAt;
        }
        state.update(s);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertEvent> out) throws Exception {
        AlertState s = state.value();
        boolean endOfInput = ctx.timerService().currentWatermark() == Long.MAX_VALUE;
        if (s != null && !endOfInput && s.quietAt > timestamp) {
            ctx.timerService().registerEventTimeTimer(s.quietAt); // it reported since: not quiet yet
            s.quietTimer = s.quietAt;
            state.update(s);
            return;
        }
        if (s != null && s.status == AlertState.Status.FIRING && !endOfInput) {
            s.quietTimer = Long.MIN_VALUE; // kept, firing, until the series reports again
            state.update(s);
            return;
        }
        state.clear();
        formerLastWindow.clear();
    }
}
