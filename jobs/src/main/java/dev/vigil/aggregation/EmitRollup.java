package dev.vigil.aggregation;

import dev.vigil.sinks.MetricWindow;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Emits the merged rollup of a (type, service) window as the series {@code name = '*'}. */
public final class EmitRollup extends ProcessWindowFunction<WindowAccumulator, SeriesWindow, ServiceKey, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(ServiceKey key, Context ctx, Iterable<WindowAccumulator> results, Collector<SeriesWindow> out) {
        TimeWindow w = ctx.window();
        SeriesKey rollup = new SeriesKey(key.type(), key.service(), MetricWindow.ROLLUP_NAME);
        out.collect(new SeriesWindow(rollup, w.getStart(), w.getEnd(), results.iterator().next()));
    }
}
