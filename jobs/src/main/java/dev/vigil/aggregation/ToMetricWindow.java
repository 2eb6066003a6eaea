package dev.vigil.aggregation;

import dev.vigil.events.EventType;
import dev.vigil.sinks.MetricWindow;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/**
 * Turns an accumulated window into its {@code metric_windows} row: rates, percentiles, histogram.
 * Counts the rows it hands to the sink ({@code rowsWritten}; a late re-fire counts again).
 */
public final class ToMetricWindow extends RichMapFunction<SeriesWindow, MetricWindow> {
    private static final long serialVersionUID = 1L;

    private transient Counter rowsWritten;

    @Override
    public void open(OpenContext openContext) {
        rowsWritten = getRuntimeContext().getMetricGroup().counter("rowsWritten");
    }

    @Override
    public MetricWindow map(SeriesWindow w) {
        rowsWritten.inc();
        return toRow(w);
    }

    public static MetricWindow toRow(SeriesWindow w) {
        WindowAccumulator a = w.accumulator();
        SeriesKey s = w.series();
        boolean cache = EventType.CACHE.wireName().equals(s.type());
        boolean timed = a.timed() > 0;
        return new MetricWindow(s.type(), s.service(), s.name(), w.windowStart(), w.windowEnd(),
                a.count(), a.errors(),
                cache ? a.hits() : null, cache ? a.misses() : null,
                a.minMs(), a.meanMs(),
                a.quantileMs(0.50), a.quantileMs(0.90), a.quantileMs(0.95), a.quantileMs(0.99), a.quantileMs(0.999),
                a.maxMs(),
                timed ? a.latency().toPairs() : null);
    }
}
