package dev.vigil.sinks.postgres;

import dev.vigil.sinks.MetricWindow;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes window results into {@code metric_windows} with idempotent upserts, a batch at a time through
 * {@code COPY} (see {@link MetricWindowsWriter}).
 *
 * <p>At-least-once delivery plus upserts on the primary key gives exactly-once in effect: a replay
 * after a failure, or a window re-fired by a late event, rewrites the same row with the newer result.
 * Callers must route all versions of one row through the same sink subtask (key the stream by the
 * primary key) so that the newest write is the last one.
 */
public final class MetricWindowsSink implements Sink<MetricWindow> {
    private static final long serialVersionUID = 1L;

    private final String jdbcUrl;
    private final int batchSize;
    private final long batchDelayMs;

    private MetricWindowsSink(String jdbcUrl, int batchSize, long batchDelayMs) {
        this.jdbcUrl = jdbcUrl;
        this.batchSize = batchSize;
        this.batchDelayMs = batchDelayMs;
    }

    /**
     * @param url          JDBC or libpq-style URL with credentials
     * @param batchSize    rows per batch
     * @param batchDelayMs longest a row waits before its batch is flushed
     */
    public static MetricWindowsSink create(String url, int batchSize, long batchDelayMs) {
        return new MetricWindowsSink(PostgresUrl.toJdbc(url), batchSize, batchDelayMs);
    }

    /** The row's primary key as one string: key the stream by it, and the writer keeps the newest per key. */
    public static String primaryKey(MetricWindow w) {
        return w.type() + '\u0000' + w.service() + '\u0000' + w.name() + '\u0000' + w.windowStart() + '\u0000'
                + w.windowEnd();
    }

    @Override
    public SinkWriter<MetricWindow> createWriter(WriterInitContext context) {
        return new MetricWindowsWriter(jdbcUrl, batchSize, batchDelayMs, 5, context.getProcessingTimeService(),
                context.metricGroup().counter("rowsUpserted"));
    }
}
