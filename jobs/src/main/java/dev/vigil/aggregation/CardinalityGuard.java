package dev.vigil.aggregation;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by (type, service, window): lets the first {@code maxNames} distinct names of a window through
 * and renames every further one to {@value #OTHER}, so a service that puts ids into its route names
 * cannot blow up state and the table. It sees one partial per series, window and source subtask, so
 * it costs next to nothing per event.
 *
 * <p>Lateness is judged per event before the partials are built ({@link LocalWindowAggregator}), and a
 * partial leaves its subtask before that subtask's watermark, so none is late here. One can be only if
 * a source subtask resumes after idling with events older than the rest of the job has reached; its
 * window is gone by then, so the partial is dropped, counted in {@code eventsLate} and logged.
 */
public final class CardinalityGuard extends KeyedProcessFunction<ServiceWindowKey, SeriesWindow, SeriesWindow> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CardinalityGuard.class);

    /** The name excess series are folded into. */
    public static final String OTHER = "__other__";

    private final long allowedLatenessMs;
    private final int maxNames;

    private transient MapState<String, Boolean> admitted;
    private transient ValueState<Integer> admittedCount;
    private transient Counter overflowed;
    private transient Counter late;

    public CardinalityGuard(long allowedLatenessMs, int maxNames) {
        this.allowedLatenessMs = allowedLatenessMs;
        this.maxNames = maxNames;
    }

    @Override
    public void open(OpenContext openContext) {
        admitted = getRuntimeContext().getMapState(new MapStateDescriptor<>("admitted-names", Types.STRING, Types.BOOLEAN));
        admittedCount = getRuntimeContext().getState(new ValueStateDescriptor<>("admitted-count", Types.INT));
        overflowed = getRuntimeContext().getMetricGroup().counter("eventsOverflowed");
        late = getRuntimeContext().getMetricGroup().counter("eventsLate");
    }

    @Override
    public void processElement(SeriesWindow partial, Context ctx, Collector<SeriesWindow> out) throws Exception {
        long cleanupTime = partial.maxTimestamp() + allowedLatenessMs;
        if (cleanupTime <= ctx.timerService().currentWatermark()) {
            late.inc(partial.accumulator().count());
            LOG.warn("Dropped {} events of {} in window {}: they arrived after the window closed, from a source "
                            + "subtask that resumed after idling behind the rest of the job", partial.accumulator().count(),
                    partial.series(), partial.windowStart());
            return;
        }
        String name = partial.series().name();
        if (admitted.contains(name)) {
            out.collect(partial);
            return;
        }
        Integer count = admittedCount.value();
        int n = count == null ? 0 : count;
        if (n < maxNames) {
            if (n == 0) {
                ctx.timerService().registerEventTimeTimer(cleanupTime);
            }
            admitted.put(name, Boolean.TRUE);
            admittedCount.update(n + 1);
            out.collect(partial);
        } else {
            overflowed.inc(partial.accumulator().count());
            SeriesKey other = new SeriesKey(partial.series().type(), partial.series().service(), OTHER);
            out.collect(new SeriesWindow(other, partial.windowStart(), partial.windowEnd(), partial.accumulator()));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<SeriesWindow> out) {
        admitted.clear();
        admittedCount.clear();
    }
}
