package dev.vigil.sinks.postgres;

import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Buffers rows, newest version per primary key, and writes a batch as one {@code COPY} into a temporary
 * staging table plus one {@code INSERT … SELECT … ON CONFLICT DO UPDATE}: far less work for PostgreSQL
 * than one upsert statement per row. Keeping only the newest version of a key also means a window and
 * its late re-fire in one batch are one row, which a multi-row upsert requires.
 *
 * <p>Flushes when the batch is full, when its oldest row has waited {@code maxDelayMs}, before every
 * checkpoint barrier and at the end of input, so a completed checkpoint means its rows are in
 * PostgreSQL (at least once; the upsert makes a replay harmless). A failed write is retried on a new
 * connection, then fails the job, which restarts from the last checkpoint.
 */
final class MetricWindowsWriter implements SinkWriter<MetricWindow> {
    private static final Logger LOG = LoggerFactory.getLogger(MetricWindowsWriter.class);

    private static final String STAGE = "metric_windows_stage";
    private static final String UPSERT = "INSERT INTO metric_windows (" + MetricWindowsCopyFormat.COLUMNS + ", updated_at) "
            + "SELECT " + MetricWindowsCopyFormat.COLUMNS + ", now() FROM " + STAGE + " "
            + "ON CONFLICT (type, service, name, window_start, window_end) DO UPDATE SET "
            + "count = EXCLUDED.count, errors = EXCLUDED.errors, error_rate = EXCLUDED.error_rate, "
            + "hits = EXCLUDED.hits, misses = EXCLUDED.misses, hit_rate = EXCLUDED.hit_rate, "
            + "min_ms = EXCLUDED.min_ms, mean_ms = EXCLUDED.mean_ms, p50_ms = EXCLUDED.p50_ms, "
            + "p90_ms = EXCLUDED.p90_ms, p95_ms = EXCLUDED.p95_ms, p99_ms = EXCLUDED.p99_ms, "
            + "p999_ms = EXCLUDED.p999_ms, max_ms = EXCLUDED.max_ms, latency_hist = EXCLUDED.latency_hist, "
            + "updated_at = now()";

    private final String jdbcUrl;
    private final int batchSize;
    private final long maxDelayMs;
    private final int maxRetries;
    private final ProcessingTimeService time;
    private final Counter rowsUpserted;

    /** Primary key → newest row; insertion order kept so a batch is written in arrival order. */
    private final Map<String, MetricWindow> pending = new LinkedHashMap<>();
    private final StringBuilder copyText = new StringBuilder(1 << 16);
    private Connection connection;
    private boolean timerSet;

    MetricWindowsWriter(String jdbcUrl, int batchSize, long maxDelayMs, int maxRetries, ProcessingTimeService time,
                        Counter rowsUpserted) {
        this.jdbcUrl = jdbcUrl;
        this.batchSize = batchSize;
        this.maxDelayMs = maxDelayMs;
        this.maxRetries = maxRetries;
        this.time = time;
        this.rowsUpserted = rowsUpserted;
    }

    @Override
    public void write(MetricWindow row, Context context) throws IOException {
        pending.put(row.primaryKey(), row);
        if (pending.size() >= batchSize) {
            flush(false);
        } else if (!timerSet) {
            timerSet = true;
            // Runs in the task's mailbox thread, never alongside write() or flush().
            time.registerTimer(time.getCurrentProcessingTime() + maxDelayMs, t -> {
                timerSet = false;
                flush(false);
            });
        }
    }


    @Override
    public void flush(boolean endOfInput) throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        copyText.setLength(0);
        for (MetricWindow row : pending.values()) {
            MetricWindowsCopyFormat.append(copyText, row);
        }
        for (int attempt = 0; ; attempt++) {
            try {
                writeBatch();
                break;
            } catch (SQLException e) {
                closeQuietly();
                if (attempt >= maxRetries) {
                    throw new IOException("writing " + pending.size() + " rows to metric_windows failed after "
                            + (maxRetries + 1) + " attempts", e);
                }
                LOG.warn("Writing {} rows to metric_windows failed ({}); retrying on a new connection", pending.size(),
                        e.getMessage());
                sleep(Math.min(5_000, 200L << attempt));
            }
        }
        rowsUpserted.inc(pending.size());
        pending.clear();
    }

    private void writeBatch() throws SQLException {
        Connection c = connection();
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "COPY " + STAGE + " (" + MetricWindowsCopyFormat.COLUMNS + ") FROM STDIN",
                    new StringReader(copyText.toString()));
            try (Statement s = c.createStatement()) {
                s.executeUpdate(UPSERT);
            }
            c.commit(); // ON COMMIT DELETE ROWS empties the stage
        } catch (IOException e) {
            throw new SQLException("streaming rows to PostgreSQL failed", e);
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is replaced anyway
            }
            throw e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Connection c = DriverManager.getConnection(jdbcUrl);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMPORARY TABLE IF NOT EXISTS " + STAGE
                        + " (LIKE metric_windows INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
            }
            c.commit();
            connection = c;
        }
        return connection;
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while retrying a write to metric_windows", e);
        }
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
