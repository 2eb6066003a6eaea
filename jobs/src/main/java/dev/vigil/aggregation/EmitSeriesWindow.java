package dev.vigil.aggregation;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Attaches the series and window bounds to a window's accumulator. Fires again for each late event. */
public final class EmitSeriesWindow extends ProcessWindowFunction<WindowAccumulator, SeriesWindow, SeriesKey, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(SeriesKey key, Context ctx, Iterable<WindowAccumulator> results, Collector<SeriesWindow> out) {
        TimeWindow w = ctx.window();
        // A copy: the window keeps mutating its own accumulator when late events arrive.
        out.collect(new SeriesWindow(key, w.getStart(), w.getEnd(), results.iterator().next().copy()));
    }
}
