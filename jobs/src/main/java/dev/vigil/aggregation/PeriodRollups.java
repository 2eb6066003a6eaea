package dev.vigil.aggregation;

import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The hourly and daily rollups of every series and of its service ({@code *}), merged from what the
 * windows hand over ({@link ServiceWindows#CONTRIBUTIONS}): each window's result once when it fires,
 * then each late partial that changed it. So a rollup is exactly the merge of its windows' final rows
 * (same counts, same histogram buckets, hence the same quantiles), late data included; and as Flink
 * state it survives restarts like the windows do.
 *
 * <p>Rows come out when a period closes (the watermark passes its end), again when late data changes a
 * closed period, and for the running day once an hour, so {@code metric_windows_1d} holds today up to
 * the last full hour. A period is forgotten when no window of it can change any more (its end plus the
 * allowed lateness). Keyed by (type, service), like {@link ServiceWindows}.
 */
public final class PeriodRollups extends KeyedProcessFunction<ServiceKey, SeriesWindow, SeriesWindow> {
    private static final long serialVersionUID = 1L;

    public static final long HOUR_MS = 3_600_000L;
    public static final long DAY_MS = 86_400_000L;

    private final long allowedLatenessMs;

    /** (hour start, name) → merged windows; name {@code *} is the service. */
    private transient MapState<Tuple2<Long, String>, WindowAccumulator> hours;
    /** (day start, name) → merged windows. */
    private transient MapState<Tuple2<Long, String>, WindowAccumulator> days;

    public PeriodRollups(long allowedLatenessMs) {
        this.allowedLatenessMs = allowedLatenessMs;
    }

    @Override
    public void open(OpenContext openContext) {
        hours = getRuntimeContext().getMapState(new MapStateDescriptor<>("hours",
                Types.TUPLE(Types.LONG, Types.STRING), TypeInformation.of(WindowAccumulator.class)));
        days = getRuntimeContext().getMapState(new MapStateDescriptor<>("days",
                Types.TUPLE(Types.LONG, Types.STRING), TypeInformation.of(WindowAccumulator.class)));
    }

    @Override
    public void processElement(SeriesWindow contribution, Context ctx, Collector<SeriesWindow> out) throws Exception {
        long hour = Math.floorDiv(contribution.windowStart(), HOUR_MS) * HOUR_MS;
        long day = Math.floorDiv(contribution.windowStart(), DAY_MS) * DAY_MS;
        String name = contribution.series().name();
        WindowAccumulator delta = contribution.accumulator();
        add(hours, hour, name, delta);
        add(hours, hour, MetricWindow.ROLLUP_NAME, delta);
        add(days, day, name, delta);
        add(days, day, MetricWindow.ROLLUP_NAME, delta);

        long watermark = ctx.timerService().currentWatermark();
        long hourClose = hour + HOUR_MS - 1;
        long dayClose = day + DAY_MS - 1;
        if (hourClose <= watermark) {
            // A late partial changed a closed hour: its rows again (and the day's, if that closed too).
            emit(ctx.getCurrentKey(), hours, hour, HOUR_MS, name, out);
            if (dayClose <= watermark) {
                emit(ctx.getCurrentKey(), days, day, DAY_MS, name, out);
            }
        } else {
            ctx.timerService().registerEventTimeTimer(hourClose);
            ctx.timerService().registerEventTimeTimer(dayClose);
        }
        ctx.timerService().registerEventTimeTimer(hourClose + allowedLatenessMs);
        ctx.timerService().registerEventTimeTimer(dayClose + allowedLatenessMs);
    }

    private static void add(MapState<Tuple2<Long, String>, WindowAccumulator> state, long start, String name,
                            WindowAccumulator delta) throws Exception {
        Tuple2<Long, String> key = Tuple2.of(start, name);
        WindowAccumulator acc = state.get(key);
        if (acc == null) {
            acc = new WindowAccumulator();
        }
        acc.merge(delta);
        state.put(key, acc);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<SeriesWindow> out) throws Exception {
        // One timestamp can mean several things (an hour's close is also the close of a day, or the end
        // of an earlier hour's lateness): check each.
        long end = timestamp + 1;
        if (end % HOUR_MS == 0) {
            long hour = end - HOUR_MS;
            emitAll(ctx.getCurrentKey(), hours, hour, HOUR_MS, out);
            // The day so far, or the whole day when this hour ends it.
            emitAll(ctx.getCurrentKey(), days, Math.floorDiv(hour, DAY_MS) * DAY_MS, DAY_MS, out);
        }
        long forgetEnd = end - allowedLatenessMs;
        if (forgetEnd % HOUR_MS == 0) {
            forget(hours, forgetEnd - HOUR_MS);
        }
        if (forgetEnd % DAY_MS == 0) {
            forget(days, forgetEnd - DAY_MS);
        }
    }

    /** The rows of one series and of its service for one period. */
    private static void emit(ServiceKey service, MapState<Tuple2<Long, String>, WindowAccumulator> state, long start,
                             long length, String name, Collector<SeriesWindow> out) throws Exception {
        out.collect(row(service, start, length, name, state.get(Tuple2.of(start, name))));
        out.collect(row(service, start, length, MetricWindow.ROLLUP_NAME,
                state.get(Tuple2.of(start, MetricWindow.ROLLUP_NAME))));
    }

    /** Every row of one period: its series, then the service. */
    private static void emitAll(ServiceKey service, MapState<Tuple2<Long, String>, WindowAccumulator> state,
                                long start, long length, Collector<SeriesWindow> out) throws Exception {
        WindowAccumulator total = null;
        List<SeriesWindow> rows = new ArrayList<>();
        for (Map.Entry<Tuple2<Long, String>, WindowAccumulator> e : state.entries()) {
            if (e.getKey().f0 != start) {
                continue;
            }
            if (MetricWindow.ROLLUP_NAME.equals(e.getKey().f1)) {
                total = e.getValue();
            } else {
                rows.add(row(service, start, length, e.getKey().f1, e.getValue()));
            }
        }
        rows.forEach(out::collect);
        if (total != null) {
            out.collect(row(service, start, length, MetricWindow.ROLLUP_NAME, total));
        }
    }

    private static void forget(MapState<Tuple2<Long, String>, WindowAccumulator> state, long start) throws Exception {
        Iterator<Map.Entry<Tuple2<Long, String>, WindowAccumulator>> it = state.iterator();
        while (it.hasNext()) {
            if (it.next().getKey().f0 == start) {
                it.remove();
            }
        }
        if (state.isEmpty()) {
            state.clear();
        }
    }

    private static SeriesWindow row(ServiceKey service, long start, long length, String name, WindowAccumulator acc) {
        return new SeriesWindow(new SeriesKey(service.type(), service.service(), name), start, start + length, acc);
    }
}
