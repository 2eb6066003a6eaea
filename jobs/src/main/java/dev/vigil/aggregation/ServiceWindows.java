package dev.vigil.aggregation;

import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The global half of the aggregation, keyed by (type, service): merges the partials of every series of
 * the service window by window ({@link LocalWindowAggregator} makes them); when the watermark passes a
 * window's end, emits one result per series and the service rollup (name {@code *}); for a late partial
 * within the allowed lateness, emits that series and the rollup again; then forgets the window.
 *
 * <p>One operator instead of a guard, a series window and a rollup window: the rollup is merged from
 * the same state the series come from, and a window's results cross no further shuffle.
 *
 * <p>Cardinality guard: at most {@code maxNames} distinct names per window; partials of further names
 * merge under {@value #OTHER}, so a service that puts ids into its route names cannot blow up state and
 * the table.
 *
 * <p>A partial leaves its source subtask before that subtask's watermark, so none is late here. One can
 * be only if a source subtask resumes after idling with events older than the rest of the job has
 * reached; its window is gone by then, so the partial is dropped, counted in {@code eventsLate} and
 * logged.
 */
public final class ServiceWindows extends KeyedProcessFunction<ServiceKey, SeriesWindow, SeriesWindow> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ServiceWindows.class);

    /** The name excess series are folded into. */
    public static final String OTHER = "__other__";

    /**
     * What {@link PeriodRollups} merges: every series' window once when it fires, then every late partial
     * that changed a fired window (the change alone). Fired accumulators go out as they are: the stream
     * crosses a shuffle, which serialises each record as it is emitted, before a late partial could
     * change the state it came from.
     */
    public static final OutputTag<SeriesWindow> CONTRIBUTIONS =
            new OutputTag<>("window-contributions", TypeInformation.of(SeriesWindow.class));

    private final long windowSizeMs;
    private final long allowedLatenessMs;
    private final int maxNames;

    /** (window start, name) → everything merged so far. */
    private transient MapState<Tuple2<Long, String>, WindowAccumulator> series;
    /** Window start → names admitted; a window is open while it has an entry here. */
    private transient MapState<Long, Integer> admitted;
    private transient Counter overflowed;
    private transient Counter late;
    private transient RateLimitedLog droppedLog;

    public ServiceWindows(long windowSizeMs, long allowedLatenessMs, int maxNames) {
        this.windowSizeMs = windowSizeMs;
        this.allowedLatenessMs = allowedLatenessMs;
        this.maxNames = maxNames;
    }

    @Override
    public void open(OpenContext openContext) {
        series = getRuntimeContext().getMapState(new MapStateDescriptor<>("series",
                Types.TUPLE(Types.LONG, Types.STRING), TypeInformation.of(WindowAccumulator.class)));
        admitted = getRuntimeContext().getMapState(new MapStateDescriptor<>("admitted-names", Types.LONG, Types.INT));
        overflowed = getRuntimeContext().getMetricGroup().counter("eventsOverflowed");
        late = getRuntimeContext().getMetricGroup().counter("eventsLate");
        droppedLog = new RateLimitedLog(LOG);
    }

    @Override
    public void processElement(SeriesWindow partial, Context ctx, Collector<SeriesWindow> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        long maxTimestamp = partial.maxTimestamp();
        if (maxTimestamp + allowedLatenessMs <= watermark) {
            late.inc(partial.accumulator().count());
            if (droppedLog.due()) {
                droppedLog.warn("Dropped late partials: their events arrived after the window closed, from a source "
                                + "subtask that resumed after idling behind the rest of the job",
                        "latest: " + partial.accumulator().count() + " events of " + partial.series() + " in window "
                                + partial.windowStart());
            }
            return;
        }
        long start = partial.windowStart();
        Tuple2<Long, String> key = Tuple2.of(start, partial.series().name());
        WindowAccumulator acc = series.get(key);
        if (acc == null) {
            // A name new to this window: kept under its own name, or merged under OTHER past the limit.
            key = Tuple2.of(start, admit(partial, ctx, watermark));
            acc = series.get(key);
        }
        boolean fired = maxTimestamp <= watermark;
        if (fired) {
            // Before the partial may become the state below: the hourly and daily rollups take the change.
            ctx.output(CONTRIBUTIONS, result(ctx.getCurrentKey(), start, key.f1, partial.accumulator().copy()));
        }
        if (acc == null) {
            // A partial is deserialized for this operator alone, so its accumulator can become the state.
            acc = partial.accumulator();
        } else {
            acc.merge(partial.accumulator());
        }
        series.put(key, acc);
        if (fired) {
            // The window has fired already: its row and the rollup change with this late partial.
            out.collect(result(ctx.getCurrentKey(), start, key.f1, acc));
            out.collect(rollup(ctx.getCurrentKey(), start, seriesOf(start)));
        }
    }

    /** The name a new series of this window is kept under: its own, or {@value #OTHER} past the limit. */
    private String admit(SeriesWindow partial, Context ctx, long watermark) throws Exception {
        long start = partial.windowStart();
        Integer count = admitted.get(start);
        int n = count == null ? 0 : count;
        if (n == 0) {
            long maxTimestamp = partial.maxTimestamp();
            if (maxTimestamp > watermark) {
                ctx.timerService().registerEventTimeTimer(maxTimestamp);
            }
            ctx.timerService().registerEventTimeTimer(maxTimestamp + allowedLatenessMs);
        }
        if (n < maxNames) {
            admitted.put(start, n + 1);
            return partial.series().name();
        }
        overflowed.inc(partial.accumulator().count());
        return OTHER;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<SeriesWindow> out) throws Exception {
        // Every timer is a window's end or the end of its lateness, so the instant names its windows: no
        // walk over the open ones (thousands when one source subtask runs far ahead of the other in a replay).
        long endsHere = timestamp - windowSizeMs + 1;
        if (admitted.contains(endsHere)) {
            fire(ctx, endsHere, out);
        }
        long latenessEndsHere = endsHere - allowedLatenessMs;
        if (admitted.contains(latenessEndsHere)) {
            forget(latenessEndsHere);
        }
    }

    /** Emits every series of the window, then its rollup; hands each series to the period rollups. */
    private void fire(OnTimerContext ctx, long start, Collector<SeriesWindow> out) throws Exception {
        ServiceKey service = ctx.getCurrentKey();
        List<Map.Entry<Tuple2<Long, String>, WindowAccumulator>> window = seriesOf(start);
        for (Map.Entry<Tuple2<Long, String>, WindowAccumulator> e : window) {
            SeriesWindow result = result(service, start, e.getKey().f1, e.getValue());
            out.collect(result);
            ctx.output(CONTRIBUTIONS, result);
        }
        out.collect(rollup(service, start, window));
    }

    /** The window's series merged into one: the (type, service) rollup, name {@code *}. */
    private SeriesWindow rollup(ServiceKey service, long start,
                                List<Map.Entry<Tuple2<Long, String>, WindowAccumulator>> window) {
        WindowAccumulator total = new WindowAccumulator();
        for (Map.Entry<Tuple2<Long, String>, WindowAccumulator> e : window) {
            total.merge(e.getValue());
        }
        return new SeriesWindow(new SeriesKey(service.type(), service.service(), MetricWindow.ROLLUP_NAME), start,
                start + windowSizeMs, total);
    }

    /** The (key, accumulator) entries of the window starting at {@code start}. */
    private List<Map.Entry<Tuple2<Long, String>, WindowAccumulator>> seriesOf(long start) throws Exception {
        List<Map.Entry<Tuple2<Long, String>, WindowAccumulator>> window = new ArrayList<>();
        for (Map.Entry<Tuple2<Long, String>, WindowAccumulator> e : series.entries()) {
            if (e.getKey().f0 == start) {
                window.add(e);
            }
        }
        return window;
    }

    private void forget(long start) throws Exception {
        Iterator<Map.Entry<Tuple2<Long, String>, WindowAccumulator>> it = series.iterator();
        while (it.hasNext()) {
            if (it.next().getKey().f0 == start) {
                it.remove();
            }
        }
        admitted.remove(start);
        if (admitted.isEmpty()) {
            // Drops the emptied maps too, so a service that went quiet leaves no state behind.
            series.clear();
            admitted.clear();
        }
    }

    private SeriesWindow result(ServiceKey service, long start, String name, WindowAccumulator acc) {
        return new SeriesWindow(new SeriesKey(service.type(), service.service(), name), start, start + windowSizeMs, acc);
    }
}
