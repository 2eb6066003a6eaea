package dev.vigil.aggregation;

import dev.vigil.events.MetricEvent;
import dev.vigil.jobs.source.DeadLetter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by (type, service, window): lets the first {@code maxNames} distinct names of a window through
 * and renames every further one to {@value #OTHER}, so a service that puts ids into its route names
 * cannot blow up state and the table. Also the place where too-late events leave the stream: one past
 * the window's allowed lateness goes to the dead letters as {@code late}.
 *
 * <p>Its lateness test is at least as strict as the window operator's: this operator's watermark is at
 * least the downstream window operator's, so nothing it lets through is dropped there.
 */
public final class CardinalityGuard extends KeyedProcessFunction<ServiceWindowKey, MetricEvent, MetricEvent> {
    private static final long serialVersionUID = 1L;

    /** The name excess series are folded into. */
    public static final String OTHER = "__other__";

    private final long windowSizeMs;
    private final long allowedLatenessMs;
    private final int maxNames;
    private final OutputTag<DeadLetter> deadLetters;

    private transient MapState<String, Boolean> admitted;
    private transient ValueState<Integer> admittedCount;
    private transient Counter overflowed;
    private transient Counter late;

    public CardinalityGuard(long windowSizeMs, long allowedLatenessMs, int maxNames, OutputTag<DeadLetter> deadLetters) {
        this.windowSizeMs = windowSizeMs;
        this.allowedLatenessMs = allowedLatenessMs;
        this.maxNames = maxNames;
        this.deadLetters = deadLetters;
    }

    @Override
    public void open(OpenContext openContext) {
        admitted = getRuntimeContext().getMapState(new MapStateDescriptor<>("admitted-names", Types.STRING, Types.BOOLEAN));
        admittedCount = getRuntimeContext().getState(new ValueStateDescriptor<>("admitted-count", Types.INT));
        overflowed = getRuntimeContext().getMetricGroup().counter("eventsOverflowed");
        late = getRuntimeContext().getMetricGroup().counter("eventsLate");
    }

    @Override
    public void processElement(MetricEvent event, Context ctx, Collector<MetricEvent> out) throws Exception {
        long cleanupTime = cleanupTime(ctx.getCurrentKey());
        if (cleanupTime <= ctx.timerService().currentWatermark()) {
            late.inc();
            ctx.output(deadLetters, DeadLetter.late(event));
            return;
        }
        if (admitted.contains(event.name())) {
            out.collect(event);
            return;
        }
        Integer count = admittedCount.value();
        int n = count == null ? 0 : count;
        if (n < maxNames) {
            if (n == 0) {
                ctx.timerService().registerEventTimeTimer(cleanupTime);
            }
            admitted.put(event.name(), Boolean.TRUE);
            admittedCount.update(n + 1);
            out.collect(event);
        } else {
            overflowed.inc();
            out.collect(event.withName(OTHER));
        }
    }

    /** When the window can take no more late events: the same instant Flink's window operator uses. */
    private long cleanupTime(ServiceWindowKey key) {
        long maxTimestamp = key.windowStart() + windowSizeMs - 1;
        return maxTimestamp + allowedLatenessMs;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<MetricEvent> out) {
        admitted.clear();
        admittedCount.clear();
    }
}
