package dev.vigil.aggregation;

import dev.vigil.events.EventType;
import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/**
 * Turns an accumulated window into its {@code metric_windows} row: rates, percentiles, histogram.
 * Counts the rows it hands to the sink ({@code rowsWritten}; a late re-fire counts again).
 */
public final class ToMetricWindow extends RichMapFunction<SeriesWindow, MetricWindow> {
    private static final long serialVersionUID = 1L;

    private static final double[] QUANTILES = {0.50, 0.90, 0.95, 0.99, 0.999};

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
        // One pass over the histogram for the stored buckets; the percentiles are read from those.
        long[] buckets = a.timed() > 0 ? a.latency().toBuckets() : null;
        double[] p = new double[QUANTILES.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = buckets == null ? Double.NaN : a.clampMs(LatencyHistogram.quantileMillis(buckets, QUANTILES[i]));
        }
        return new MetricWindow(s.type(), s.service(), s.name(), w.windowStart(), w.windowEnd(),
                a.count(), a.errors(),
                cache ? a.hits() : null, cache ? a.misses() : null,
                a.minMs(), a.meanMs(), p[0], p[1], p[2], p[3], p[4], a.maxMs(), buckets);
    }
}
