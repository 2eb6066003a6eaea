package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import dev.vigil.model.SloStatus;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.HashMap;
import java.util.Map;

/**
 * Runs {@link SloStateMachine} per (SLO, series) on event time: records each window's good and total
 * events, and after each newest window emits the series' {@code slo_status} row (side output
 * {@link #STATUS}) and any alert transition. A series that sends nothing for a whole period is
 * forgotten (a firing alert resolves first).
 */
public final class SloEvaluator extends KeyedProcessFunction<String, SloInput, AlertEvent> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<SloStatus> STATUS = new OutputTag<>("slo-status", TypeInformation.of(SloStatus.class));

    private final SlaRules rules;
    private final long allowedLatenessMs;
    private transient Map<String, Slo> byName;
    private transient Map<String, SloPlan> plans;
    private transient ValueState<SloState> state;
    private transient Counter transitions;

    public SloEvaluator(SlaRules rules, long allowedLatenessMs) {
        this.rules = rules;
        this.allowedLatenessMs = allowedLatenessMs;
    }

    @Override
    public void open(OpenContext openContext) {
        byName = new HashMap<>();
        rules.slos().forEach(s -> byName.put(s.name(), s));
        plans = new HashMap<>();
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("slo-state", TypeInformation.of(SloState.class)));
        transitions = getRuntimeContext().getMetricGroup().counter("sloTransitions");
    }

    @Override
    public void processElement(SloInput in, Context ctx, Collector<AlertEvent> out) throws Exception {
        Slo slo = byName.get(in.slo());
        SloPlan plan = plan(slo, in.windowEnd() - in.windowStart());
        SloState s = state.value();
        if (s == null || s.windows.windowMs != plan.windowMs) {
            s = new SloState();
            s.windows = plan.newWindows();
            s.slo = slo.name();
            s.type = in.type();
            s.service = in.service();
            s.name = in.name();
        }
        if (s.windows.record(in.windowStart(), in.good(), in.total())) {
            s.lastWindowStart = in.windowStart();
            s.lastWindowEnd = in.windowEnd();
            SloStateMachine.Reading reading = SloStateMachine.read(plan, s.windows, in.windowEnd());
            AlertEvent event = SloStateMachine.judge(s, slo, in, reading);
            if (event != null) {
                transitions.inc();
                out.collect(event);
            }
            ctx.output(STATUS, SloStateMachine.status(plan, in, s, reading));
            // Set once and, when it fires after newer windows, set again (see AlertEvaluator): not moved per window.
            if (s.quietTimer == Long.MIN_VALUE) {
                s.quietTimer = in.windowEnd() + plan.periodMs;
                ctx.timerService().registerEventTimeTimer(s.quietTimer);
            }
        }
        state.update(s);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertEvent> out) throws Exception {
        SloState s = state.value();
        boolean endOfInput = ctx.timerService().currentWatermark() == Long.MAX_VALUE;
        Slo slo = s == null ? null : byName.get(s.slo);
        if (slo != null && !endOfInput) {
            long quietAt = s.lastWindowEnd + plan(slo, s.lastWindowEnd - s.lastWindowStart).periodMs;
            if (quietAt > timestamp) { // it reported since the timer was set
                s.quietTimer = quietAt;
                ctx.timerService().registerEventTimeTimer(quietAt);
                state.update(s);
                return;
            }
        }
        if (s != null && !endOfInput) {
            // A real silence. (At the end of a bounded input every timer fires; that is not silence.)
            AlertEvent resolved = SloStateMachine.quiet(s, byName.get(s.slo));
            if (resolved != null) {
                transitions.inc();
                out.collect(resolved);
            }
        }
        state.clear();
    }

    private SloPlan plan(Slo slo, long windowMs) {
        return plans.computeIfAbsent(slo.name() + "/" + windowMs, k -> new SloPlan(slo, windowMs, allowedLatenessMs));
    }
}
