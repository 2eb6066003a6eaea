package dev.vigil.sinks.postgres;

import dev.vigil.sinks.MetricWindow;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Writes window results into {@code metric_windows} with idempotent upserts.
 *
 * <p>At-least-once delivery plus upserts on the primary key gives exactly-once in effect: a replay
 * after a failure, or a window re-fired by a late event, rewrites the same row with the newer result.
 * Callers must route all versions of one row through the same sink subtask (key the stream by the
 * primary key) so that the newest write is the last one.
 *
 * <p>Not {@code reWriteBatchedInserts}: it would turn a batch holding a window and its late re-fire into
 * one multi-row upsert, which PostgreSQL rejects ("cannot affect row a second time").
 */
public final class MetricWindowsSink {

    static final String UPSERT = """
            INSERT INTO metric_windows (type, service, name, window_start, window_end, count, errors, error_rate,
                hits, misses, hit_rate, min_ms, mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms,
                latency_hist, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())
            ON CONFLICT (type, service, name, window_start, window_end) DO UPDATE SET
                count = EXCLUDED.count, errors = EXCLUDED.errors, error_rate = EXCLUDED.error_rate,
                hits = EXCLUDED.hits, misses = EXCLUDED.misses, hit_rate = EXCLUDED.hit_rate,
                min_ms = EXCLUDED.min_ms, mean_ms = EXCLUDED.mean_ms, p50_ms = EXCLUDED.p50_ms,
                p90_ms = EXCLUDED.p90_ms, p95_ms = EXCLUDED.p95_ms, p99_ms = EXCLUDED.p99_ms,
                p999_ms = EXCLUDED.p999_ms, max_ms = EXCLUDED.max_ms, latency_hist = EXCLUDED.latency_hist,
                updated_at = now()""";

    private MetricWindowsSink() {
    }

    /**
     * @param url          JDBC or libpq-style URL with credentials
     * @param batchSize    rows per batch
     * @param batchDelayMs longest a row waits before its batch is flushed
     */
    public static JdbcSink<MetricWindow> create(String url, int batchSize, long batchDelayMs) {
        return JdbcSink.<MetricWindow>builder()
                .withQueryStatement(UPSERT, MetricWindowsSink::bind)
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(batchSize)
                        .withBatchIntervalMs(batchDelayMs)
                        .withMaxRetries(5)
                        .build())
                .buildAtLeastOnce(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(PostgresUrl.toJdbc(url))
                        .withDriverName("org.postgresql.Driver")
                        .withConnectionCheckTimeoutSeconds(30)
                        .build());
    }

    static void bind(PreparedStatement ps, MetricWindow w) throws SQLException {
        int i = 1;
        ps.setString(i++, w.type());
        ps.setString(i++, w.service());
        ps.setString(i++, w.name());
        // OffsetDateTime in UTC: a java.sql.Timestamp would be read in the JVM's default time zone.
        ps.setObject(i++, utc(w.windowStart()));
        ps.setObject(i++, utc(w.windowEnd()));
        ps.setLong(i++, w.count());
        ps.setLong(i++, w.errors());
        ps.setDouble(i++, w.errorRate());
        setNullableLong(ps, i++, w.hits());
        setNullableLong(ps, i++, w.misses());
        Double hitRate = w.hitRate();
        if (hitRate == null) {
            ps.setNull(i++, Types.DOUBLE);
        } else {
            ps.setDouble(i++, hitRate);
        }
        for (double v : new double[] {w.minMs(), w.meanMs(), w.p50Ms(), w.p90Ms(), w.p95Ms(), w.p99Ms(),
                w.p999Ms(), w.maxMs()}) {
            if (Double.isNaN(v)) {
                ps.setNull(i++, Types.DOUBLE);
            } else {
                ps.setDouble(i++, v);
            }
        }
        if (w.latencyHist() == null) {
            ps.setNull(i, Types.ARRAY);
        } else {
            Long[] boxed = new Long[w.latencyHist().length];
            for (int k = 0; k < boxed.length; k++) {
                boxed[k] = w.latencyHist()[k];
            }
            Array array = ps.getConnection().createArrayOf("bigint", boxed);
            ps.setArray(i, array);
        }
    }

    static OffsetDateTime utc(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    private static void setNullableLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }
}
