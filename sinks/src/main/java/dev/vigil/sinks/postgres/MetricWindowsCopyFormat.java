package dev.vigil.sinks.postgres;

import dev.vigil.model.MetricWindow;
import dev.vigil.model.PackedHistogram;

import java.time.Instant;

/**
 * One {@code metric_windows} row as a line of PostgreSQL's COPY text format: tab-separated, {@code \N}
 * for NULL, backslash escapes in text, {@code {v,c,…}} for the histogram array and its index ({@link PackedHistogram#index}). Doubles are written in
 * Java's shortest round-trip form, which PostgreSQL parses back to the same double.
 */
public final class MetricWindowsCopyFormat {

    /** The columns, in the order {@link #append} writes them. */
    public static final String COLUMNS = "type, service, name, window_start, window_end, count, errors, error_rate, hits, "
            + "misses, hit_rate, min_ms, mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms, latency_hist, latency_hist_index";

    private MetricWindowsCopyFormat() {
    }

    public static void append(StringBuilder out, MetricWindow w) {
        text(out, w.type()).append('\t');
        text(out, w.service()).append('\t');
        text(out, w.name()).append('\t');
        out.append(Instant.ofEpochMilli(w.windowStart())).append('\t');
        out.append(Instant.ofEpochMilli(w.windowEnd())).append('\t');
        out.append(w.count()).append('\t');
        out.append(w.errors()).append('\t');
        number(out, w.errorRate()).append('\t');
        nullable(out, w.hits()).append('\t');
        nullable(out, w.misses()).append('\t');
        Double hitRate = w.hitRate();
        (hitRate == null ? out.append("\\N") : number(out, hitRate)).append('\t');
        for (double v : new double[] {w.minMs(), w.meanMs(), w.p50Ms(), w.p90Ms(), w.p95Ms(), w.p99Ms(), w.p999Ms(),
                w.maxMs()}) {
            number(out, v).append('\t');
        }
        long[] hist = w.latencyHist();
        array(out, hist).append('\t');
        array(out, PackedHistogram.index(hist)).append('\n');
    }

    private static StringBuilder array(StringBuilder out, long[] values) {
        if (values == null) {
            return out.append("\\N");
        }
        out.append('{');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(values[i]);
        }
        return out.append('}');
    }

    private static StringBuilder number(StringBuilder out, double v) {
        return Double.isNaN(v) ? out.append("\\N") : out.append(v);
    }

    private static StringBuilder nullable(StringBuilder out, Long v) {
        return v == null ? out.append("\\N") : out.append(v.longValue());
    }

    /** COPY text escaping: backslash and the three characters that would end a field or a row. */
    static StringBuilder text(StringBuilder out, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out;
    }
}
