package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * "This series stopped reporting", per (silence rule, series): a series that sent a window and then
 * nothing for the rule's {@code for} fires {@code critical} (metric {@value SilenceRule#METRIC}); its
 * next window resolves it ("reporting again"). It is never reported as a recovery of anything else.
 *
 * <p>Two clocks decide, whichever comes first:
 * <ul>
 *   <li><b>event time</b>, while other series keep the watermark moving: silent once the watermark passes
 *       the end of the series' last window plus {@code for}. If the watermark jumps over the gap (a fast
 *       replay reads ahead of its periodic watermarks), the series' next window shows it: a gap of at
 *       least {@code for} between two windows fires and resolves at once. So replays and backfills give
 *       the same alerts at any speed.</li>
 *   <li><b>processing time</b>, for when everything goes silent and the watermark cannot advance: silent
 *       once {@code for} plus one window length has passed on the job's clock since the series' last
 *       window arrived, and since this operator (re)started — so a restart after downtime does not call
 *       every series silent before their windows had a chance to arrive.</li>
 * </ul>
 * Both paths emit the same alert (same id), so it fires once. A series never seen never fires; a silent
 * series stays in state until it reports again.
 */
public final class SilenceEvaluator extends KeyedProcessFunction<String, SilenceInput, AlertEvent> {
    private static final long serialVersionUID = 1L;

    private final SlaRules rules;
    private transient Map<String, SilenceRule> byName;
    private transient ValueState<SilenceState> state;
    private transient Counter transitions;
    /** When this operator (re)started, on the processing clock. */
    private transient long openedAt;

    public SilenceEvaluator(SlaRules rules) {
        this.rules = rules;
    }

    @Override
    public void open(OpenContext openContext) {
        byName = new HashMap<>();
        rules.silences().forEach(r -> byName.put(r.name(), r));
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("silence-state", TypeInformation.of(SilenceState.class)));
        transitions = getRuntimeContext().getMetricGroup().counter("silenceTransitions");
        openedAt = Long.MIN_VALUE; // read from the timer service on the first call, which tests can drive
    }

    @Override
    public void processElement(SilenceInput in, Context ctx, Collector<AlertEvent> out) throws Exception {
        started(ctx.timerService().currentProcessingTime());
        SilenceState s = state.value();
        if (s == null) {
            s = new SilenceState();
            s.rule = in.rule();
            s.type = in.type();
            s.service = in.service();
            s.name = in.name();
        }
        if (in.windowStart() <= s.lastWindowStart) {
            return; // a window re-fired by late data says nothing new
        }
        SilenceRule rule = byName.get(in.rule());
        if (!s.firing && s.lastWindowStart != Long.MIN_VALUE && in.windowStart() - s.lastWindowEnd >= rule.after().toMillis()) {
            // A gap of `for` in event time that the watermark jumped over (a fast replay reads ahead of
            // its periodic watermarks): the silence happened; say so, as the timer would have.
            s.firing = true;
            transitions.inc();
            out.collect(firing(s, rule));
        }
        if (s.firing) {
            s.firing = false;
            transitions.inc();
            out.collect(resolved(s, rule, in));
        }
        s.lastWindowStart = in.windowStart();
        s.lastWindowEnd = in.windowEnd();
        if (s.eventTimer != Long.MIN_VALUE) {
            ctx.timerService().deleteEventTimeTimer(s.eventTimer);
        }
        if (s.processingTimer != Long.MIN_VALUE) {
            ctx.timerService().deleteProcessingTimeTimer(s.processingTimer);
        }
        s.eventTimer = in.windowEnd() + rule.after().toMillis();
        s.processingTimer = ctx.timerService().currentProcessingTime() + rule.after().toMillis() + windowMs(s);
        ctx.timerService().registerEventTimeTimer(s.eventTimer);
        ctx.timerService().registerProcessingTimeTimer(s.processingTimer);
        state.update(s);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlertEvent> out) throws Exception {
        SilenceState s = state.value();
        if (s == null || s.firing) {
            return;
        }
        SilenceRule rule = byName.get(s.rule);
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            if (timestamp != s.eventTimer) {
                return;
            }
            s.eventTimer = Long.MIN_VALUE;
            if (ctx.timerService().currentWatermark() == Long.MAX_VALUE) {
                state.update(s); // the end of a bounded input is not silence
                return;
            }
        } else {
            if (timestamp != s.processingTimer) {
                return;
            }
            s.processingTimer = Long.MIN_VALUE;
            long now = ctx.timerService().currentProcessingTime();
            long earliest = started(now) + rule.after().toMillis() + windowMs(s);
            if (now < earliest) {
                // Restarted lately: give the series a whole `for` to report after the restart.
                s.processingTimer = earliest;
                ctx.timerService().registerProcessingTimeTimer(earliest);
                state.update(s);
                return;
            }
            if (s.eventTimer != Long.MIN_VALUE) {
                ctx.timerService().deleteEventTimeTimer(s.eventTimer);
                s.eventTimer = Long.MIN_VALUE;
            }
        }
        if (s.processingTimer != Long.MIN_VALUE) {
            ctx.timerService().deleteProcessingTimeTimer(s.processingTimer);
            s.processingTimer = Long.MIN_VALUE;
        }
        s.firing = true;
        transitions.inc();
        out.collect(firing(s, rule));
        state.update(s);
    }

    private long started(long now) {
        if (openedAt == Long.MIN_VALUE) {
            openedAt = now;
        }
        return openedAt;
    }

    private static long windowMs(SilenceState s) {
        return s.lastWindowEnd - s.lastWindowStart;
    }

    /** Same rule, series and last window: the same alert whichever clock noticed the silence. */
    static AlertEvent firing(SilenceState s, SilenceRule rule) {
        double seconds = rule.after().toMillis() / 1000.0;
        return new AlertEvent(
                AlertStateMachine.alertId(rule.name(), s.type, s.service, s.name, s.lastWindowStart, AlertEvent.FIRING),
                AlertEvent.FIRING, rule.name(), Severity.CRITICAL.wireName(), s.type, s.service, s.name,
                SilenceRule.METRIC, seconds, seconds, s.lastWindowStart, s.lastWindowEnd, s.lastWindowEnd,
                rule.name() + " firing (critical): " + s.service + " " + s.type + " " + s.name + " sent nothing since "
                        + Instant.ofEpochMilli(s.lastWindowEnd) + " (for " + dev.vigil.model.Durations.format(rule.after()) + ")");
    }

    static AlertEvent resolved(SilenceState s, SilenceRule rule, SilenceInput back) {
        long gapMs = back.windowStart() - s.lastWindowEnd;
        return new AlertEvent(
                AlertStateMachine.alertId(rule.name(), s.type, s.service, s.name, back.windowStart(), AlertEvent.RESOLVED),
                AlertEvent.RESOLVED, rule.name(), Severity.CRITICAL.wireName(), s.type, s.service, s.name,
                SilenceRule.METRIC, gapMs / 1000.0, rule.after().toMillis() / 1000.0, back.windowStart(), back.windowEnd(),
                s.lastWindowEnd, rule.name() + " resolved: " + s.service + " " + s.type + " " + s.name
                        + " reporting again after " + dev.vigil.model.Durations.format(java.time.Duration.ofMillis(gapMs))
                        + " without events");
    }
}
