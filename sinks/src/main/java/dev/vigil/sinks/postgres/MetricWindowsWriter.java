package dev.vigil.sinks.postgres;

import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Buffers rows, newest version per primary key, and writes a batch in one transaction: rows of windows
 * it has not met in the table yet with one binary {@code COPY} straight into their table, the others
 * with one {@code COPY} into a temporary staging table plus one {@code INSERT … SELECT … ON CONFLICT DO
 * UPDATE} per table ({@link WindowTable}: minute rows, hourly and daily rollups). Either is far less work
 * for PostgreSQL than one statement per row, and the plain {@code COPY} about half the upsert's (a
 * window's first row is by far the most common; docs/performance.md). Keeping only the newest version
 * of a key also means a window and its late re-fire in one batch are one row, which a multi-row upsert
 * requires.
 *
 * <p>Which rows are new is learnt, not assumed: per table, windows after {@code upsertThrough} are
 * copied straight in. A {@code COPY} that meets an existing row (a late re-fire of an earlier batch's
 * window, a rollup row written again, a replay after a restart) fails as a whole; the batch is rolled
 * back, every window up to the newest in that {@code COPY} goes through the upsert from then on, and
 * the batch is written again at once. So each window costs at most one such retry per writer.
 *
 * <p>Partitions: before a batch, every partition its rows need is created unless this writer has seen
 * it already, so a row of any event time (a replay of last year included) finds one. Once an hour the
 * writer also creates the coming week's partitions ahead of time.
 *
 * <p>Flushes when the batch is full, when its oldest row has waited {@code maxDelayMs}, before every
 * checkpoint barrier and at the end of input, so a completed checkpoint means its rows are in
 * PostgreSQL (at least once; the upsert makes a replay harmless). A failed write is retried on a new
 * connection, then fails the job, which restarts from the last checkpoint.
 */
final class MetricWindowsWriter implements SinkWriter<MetricWindow> {
    private static final Logger LOG = LoggerFactory.getLogger(MetricWindowsWriter.class);

    private static final String STAGE = "metric_windows_stage";
    private static final long AHEAD_EVERY_MS = 3_600_000L;
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String UPSERT = "INSERT INTO %s (" + MetricWindowsCopyFormat.COLUMNS + ", updated_at) "
            + "SELECT " + MetricWindowsCopyFormat.COLUMNS + ", now() FROM " + STAGE + " WHERE %s "
            + "ON CONFLICT (type, service, name, window_start, window_end) DO UPDATE SET "
            + "count = EXCLUDED.count, errors = EXCLUDED.errors, error_rate = EXCLUDED.error_rate, "
            + "hits = EXCLUDED.hits, misses = EXCLUDED.misses, hit_rate = EXCLUDED.hit_rate, "
            + "min_ms = EXCLUDED.min_ms, mean_ms = EXCLUDED.mean_ms, p50_ms = EXCLUDED.p50_ms, "
            + "p90_ms = EXCLUDED.p90_ms, p95_ms = EXCLUDED.p95_ms, p99_ms = EXCLUDED.p99_ms, "
            + "p999_ms = EXCLUDED.p999_ms, max_ms = EXCLUDED.max_ms, latency_hist = EXCLUDED.latency_hist, "
            + "latency_hist_index = EXCLUDED.latency_hist_index, latency_hist_subindex = EXCLUDED.latency_hist_subindex, "
            + "updated_at = now()";

    private final String jdbcUrl;
    private final int batchSize;
    private final long maxDelayMs;
    private final int maxRetries;
    private final ProcessingTimeService time;
    private final Counter rowsUpserted;
    /** Applied with the hourly partition upkeep, or null. */
    private final Retention retention;

    /** Primary key → newest row; insertion order kept so a batch is written in arrival order. */
    private final Map<String, MetricWindow> pending = new LinkedHashMap<>();
    /** The batch's rows for the staging table, and the tables they go to. */
    private final MetricWindowsCopyFormat staged = new MetricWindowsCopyFormat();
    private final EnumSet<WindowTable> stagedTables = EnumSet.noneOf(WindowTable.class);
    /** The batch's rows copied straight into each table, and the newest window among them. */
    private final EnumMap<WindowTable, MetricWindowsCopyFormat> direct = new EnumMap<>(WindowTable.class);
    private final EnumMap<WindowTable, Long> newestDirect = new EnumMap<>(WindowTable.class);
    /** Per table, the newest window start known to have rows there already: up to it, rows are upserted. */
    private final EnumMap<WindowTable, Long> upsertThrough = new EnumMap<>(WindowTable.class);
    /** Partitions this writer knows exist: (table, first day of the partition). */
    private final Set<Map.Entry<WindowTable, LocalDate>> partitions = new HashSet<>();
    /** When the partitions ahead (and the retention) are due again; at once for a new writer. */
    private long upkeepDueAt = Long.MIN_VALUE;
    private Connection connection;
    private boolean timerSet;

    MetricWindowsWriter(String jdbcUrl, int batchSize, long maxDelayMs, int maxRetries, ProcessingTimeService time,
                        Counter rowsUpserted, Retention retention) {
        this.retention = retention;
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
        encodeBatch();
        for (int attempt = 0; ; attempt++) {
            try {
                writeBatch();
                break;
            } catch (RowsExist e) {
                // Not a failure: these windows have rows, so they take the upsert, now and from now on.
                upsertThrough.merge(e.table, newestDirect.get(e.table), Math::max);
                LOG.debug("{} already holds rows of windows up to {}; upserting those", e.table, newestDirect.get(e.table));
                encodeBatch();
                attempt--;
            } catch (SQLException e) {
                closeQuietly();
                partitions.clear(); // retention may have dropped one this writer knew: check them all again
                if (attempt >= maxRetries) {
                    throw new IOException("writing " + pending.size() + " rows to " + tables() + " failed after "
                            + (maxRetries + 1) + " attempts", e);
                }
                LOG.warn("Writing {} rows to {} failed ({}); retrying on a new connection", pending.size(),
                        tables(), e.getMessage());
                sleep(Math.min(5_000, 200L << attempt));
            }
        }
        rowsUpserted.inc(pending.size());
        pending.clear();
    }

    /** Encodes the pending rows: windows after a table's {@code upsertThrough} to copy straight in, the rest to stage. */
    private void encodeBatch() {
        staged.start();
        stagedTables.clear();
        newestDirect.clear();
        for (MetricWindow row : pending.values()) {
            WindowTable table = WindowTable.of(row);
            if (row.windowStart() > upsertThrough.getOrDefault(table, Long.MIN_VALUE)) {
                MetricWindowsCopyFormat rows = direct.computeIfAbsent(table, t -> new MetricWindowsCopyFormat());
                if (!newestDirect.containsKey(table)) {
                    rows.start();
                }
                rows.append(row);
                newestDirect.merge(table, row.windowStart(), Math::max);
            } else {
                staged.append(row);
                stagedTables.add(table);
            }
        }
        staged.finish();
        for (WindowTable table : newestDirect.keySet()) {
            direct.get(table).finish();
        }
    }

    private EnumSet<WindowTable> tables() {
        EnumSet<WindowTable> tables = EnumSet.copyOf(stagedTables);
        tables.addAll(newestDirect.keySet());
        return tables;
    }

    private void writeBatch() throws SQLException {
        Connection c = connection();
        try {
            ensurePartitions(c);
            CopyManager copyApi = c.unwrap(PGConnection.class).getCopyAPI();
            for (WindowTable table : newestDirect.keySet()) {
                try {
                    copyApi.copyIn(MetricWindowsCopyFormat.copyInto(table.table()), direct.get(table).stream());
                } catch (SQLException e) {
                    if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                        throw e;
                    }
                    c.rollback();
                    throw new RowsExist(table);
                }
            }
            if (!stagedTables.isEmpty()) {
                copyApi.copyIn(MetricWindowsCopyFormat.copyInto(STAGE), staged.stream());
                try (Statement s = c.createStatement()) {
                    for (WindowTable table : stagedTables) {
                        s.executeUpdate(String.format(UPSERT, table.table(), table.stagedRows()));
                    }
                }
            }
            c.commit(); // ON COMMIT DELETE ROWS empties the stage
        } catch (IOException e) {
            throw new SQLException("streaming rows to PostgreSQL failed", e);
        } catch (RowsExist e) {
            throw e;
        } catch (SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is replaced anyway
            }
            throw e;
        }
    }

    /**
     * Creates, each in a short transaction of its own, the partitions this batch needs and this writer
     * has not seen yet, and once an hour the week ahead (and applies the retention, if it has one). A new partition locks its parent table briefly;
     * doing it before the batch keeps that lock out of the COPY's transaction.
     */
    private void ensurePartitions(Connection c) throws SQLException {
        long now = time.getCurrentProcessingTime();
        if (now >= upkeepDueAt) {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT count(*) FROM vigil_create_partitions_ahead()");
            }
            c.commit();
            if (retention != null) {
                for (Retention.Dropped d : retention.apply(c, Instant.ofEpochMilli(now), false)) {
                    LOG.info("Retention dropped {} ({} rows, all before {})", d.partition(), d.rows(), d.before());
                    partitions.clear();
                }
            }
            upkeepDueAt = now + AHEAD_EVERY_MS;
        }
        for (MetricWindow row : pending.values()) {
            WindowTable table = WindowTable.of(row);
            Map.Entry<WindowTable, LocalDate> partition = Map.entry(table, table.partitionOf(row.windowStart()));
            if (partitions.contains(partition)) {
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT vigil_ensure_partition(?, ?)")) {
                ps.setString(1, table.table());
                ps.setObject(2, OffsetDateTime.ofInstant(Instant.ofEpochMilli(row.windowStart()), ZoneOffset.UTC));
                ps.execute();
            }
            c.commit();
            partitions.add(partition);
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

    /** A {@code COPY} straight into {@code table} met a row that exists; the transaction is rolled back. */
    private static final class RowsExist extends SQLException {
        private static final long serialVersionUID = 1L;
        final transient WindowTable table;

        RowsExist(WindowTable table) {
            super(table + " already holds a row of this batch");
            this.table = table;
        }
    }
}
