package dev.vigil.sinks.postgres;

import dev.vigil.model.MetricWindow;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code metric_windows} back for tests; shared with the jobs module's tests as a test-jar. */
public final class MetricWindowsTable {
    private MetricWindowsTable() {
    }

    public static List<MetricWindow> readAll(String url) throws SQLException {
        return readAll(url, "metric_windows");
    }

    /** Every row of one of the three window tables. */
    public static List<MetricWindow> readAll(String url, String table) throws SQLException {
        List<MetricWindow> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(PostgresUrl.toJdbc(url)); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM " + table)) {
            while (rs.next()) {
                rows.add(new MetricWindow(rs.getString("type"), rs.getString("service"), rs.getString("name"),
                        millis(rs, "window_start"), millis(rs, "window_end"), rs.getLong("count"), rs.getLong("errors"),
                        nullableLong(rs, "hits"), nullableLong(rs, "misses"), dbl(rs, "min_ms"), dbl(rs, "mean_ms"),
                        dbl(rs, "p50_ms"), dbl(rs, "p90_ms"), dbl(rs, "p95_ms"), dbl(rs, "p99_ms"), dbl(rs, "p999_ms"),
                        dbl(rs, "max_ms"), longs(rs.getArray("latency_hist"))));
            }
        }
        return rows;
    }

    /** Rows matching a SQL condition. */
    public static long count(String url, String where) throws SQLException {
        try (Connection c = DriverManager.getConnection(PostgresUrl.toJdbc(url)); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM metric_windows WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long millis(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant().toEpochMilli();
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static double dbl(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? Double.NaN : v;
    }

    private static long[] longs(Array array) throws SQLException {
        if (array == null) {
            return null;
        }
        Object[] values = (Object[]) array.getArray();
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = ((Number) values[i]).longValue();
        }
        return out;
    }
}
