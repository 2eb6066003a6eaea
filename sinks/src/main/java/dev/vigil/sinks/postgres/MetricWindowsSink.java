package dev.vigil.sinks.postgres;

import dev.vigil.model.MetricWindow;
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
 *
 * <p>Rows go to {@code metric_windows}, {@code metric_windows_1h} or {@code metric_windows_1d} by the
 * length of their window ({@link WindowTable}).
 *
 * @param url       the database, credentials included
 * @param batches   rows per write, flush interval and retries
 * @param retention applied once an hour by the first subtask, or null (the default) to drop nothing
 */
public record MetricWindowsSink(PostgresUrl url, BatchSettings batches, Retention retention) implements Sink<MetricWindow> {

    /** A sink that drops nothing. */
    public MetricWindowsSink(PostgresUrl url, BatchSettings batches) {
        this(url, batches, null);
    }

    @Override
    public SinkWriter<MetricWindow> createWriter(WriterInitContext context) {
        Retention applied = context.getTaskInfo().getIndexOfThisSubtask() == 0 ? retention : null;
        return new MetricWindowsWriter(url.jdbc(), batches.batchSize(), batches.flushInterval().toMillis(),
                batches.maxRetries(), context.getProcessingTimeService(),
                context.metricGroup().counter("rowsUpserted"), applied);
    }
}
