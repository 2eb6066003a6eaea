package dev.vigil.sinks.postgres;

import dev.vigil.model.AlertEvent;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Writes alert transitions into {@code alerts}. Ids are deterministic and the insert skips an id that
 * exists, so a replay after a failure leaves exactly the rows of a run without one.
 */
public final class AlertsSink {

    static final String INSERT = """
            INSERT INTO alerts (alert_id, event, rule, severity, type, service, name, metric, value, threshold,
                                window_start, window_end, started_at, summary, fingerprint, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (alert_id) DO NOTHING""";

    private AlertsSink() {
    }

    public static JdbcSink<AlertEvent> create(PostgresUrl url, BatchSettings batches) {
        // An alert storm is thousands of transitions; as multi-row inserts they cost PostgreSQL a fraction of
        // one statement each (docs/performance.md). Safe: the insert skips an existing id.
        return JdbcSinks.idempotent(url, batches, INSERT, AlertsSink::bind, true);
    }

    static void bind(PreparedStatement ps, AlertEvent a) throws SQLException {
        ps.setString(1, a.alertId());
        ps.setString(2, a.event());
        ps.setString(3, a.rule());
        ps.setString(4, a.severity());
        ps.setString(5, a.type());
        ps.setString(6, a.service());
        ps.setString(7, a.name());
        ps.setString(8, a.metric());
        setDouble(ps, 9, a.value());
        setDouble(ps, 10, a.threshold());
        ps.setObject(11, utc(a.windowStart()));
        ps.setObject(12, utc(a.windowEnd()));
        ps.setObject(13, utc(a.startedAt()));
        ps.setString(14, a.summary());
        ps.setString(15, a.fingerprint());
        ps.setString(16, a.status());
    }

    /** OffsetDateTime in UTC: a java.sql.Timestamp would be read in the JVM's default time zone. */
    static OffsetDateTime utc(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    private static void setDouble(PreparedStatement ps, int index, double v) throws SQLException {
        if (Double.isNaN(v)) {
            ps.setNull(index, Types.DOUBLE);
        } else {
            ps.setDouble(index, v);
        }
    }
}
