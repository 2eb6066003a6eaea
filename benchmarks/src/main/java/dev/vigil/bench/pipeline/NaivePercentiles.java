package dev.vigil.bench.pipeline;

import dev.vigil.events.EventType;
import dev.vigil.events.MetricEvent;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

import java.util.Arrays;

/**
 * The approach public Flink percentile examples use: the window keeps every event in state, and at
 * the end the latencies are sorted. Exact, and the reference the other runs are checked against.
 */
final class NaivePercentiles extends ProcessWindowFunction<MetricEvent, WindowStats, String, TimeWindow> {
    private static final long serialVersionUID = 1L;
    static final double[] QS = {0.50, 0.95, 0.99};

    @Override
    public void process(String key, Context ctx, Iterable<MetricEvent> events, Collector<WindowStats> out) {
        long count = 0;
        long errors = 0;
        long hits = 0;
        double[] values = new double[16];
        int n = 0;
        MetricEvent first = null;
        for (MetricEvent e : events) {
            first = first == null ? e : first;
            count++;
            errors += e.error() ? 1 : 0;
            hits += e.type() == EventType.CACHE && e.hit() ? 1 : 0;
            if (e.hasDuration()) {
                if (n == values.length) {
                    values = Arrays.copyOf(values, n * 2);
                }
                values[n++] = e.durationMs();
            }
        }
        Arrays.sort(values, 0, n);
        double[] p = new double[QS.length];
        double[] low = new double[QS.length];
        double[] high = new double[QS.length];
        for (int i = 0; i < QS.length && n > 0; i++) {
            p[i] = values[(int) Math.max(1, (long) Math.ceil(QS[i] * n)) - 1];
            double pos = QS[i] * (n - 1);
            low[i] = values[(int) Math.floor(pos)];
            high[i] = values[(int) Math.ceil(pos)];
        }
        out.collect(new WindowStats(WindowStats.key(first.type().wireName(), first.service(), first.name(),
                ctx.window().getStart()), count, errors, hits, p, low, high));
    }
}
