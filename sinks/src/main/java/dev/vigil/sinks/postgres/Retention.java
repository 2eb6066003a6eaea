package dev.vigil.sinks.postgres;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * How long each table keeps its rows, applied by dropping whole partitions ({@code vigil_apply_retention}
 * in the schema): {@code vigil retention} on demand, a job started with {@code --retention} once an hour.
 * Never by default: replays and backfills of old event time are legitimate and must not be deleted as
 * they are written.
 *
 * @param windows how long {@code metric_windows} keeps its rows, or null for ever
 * @param hourly  the same for {@code metric_windows_1h}
 * @param daily   the same for {@code metric_windows_1d}
 */
public record Retention(Duration windows, Duration hourly, Duration daily) implements Serializable {

    /** Minute rows 8 days, hourly rows 90 days, daily rows 5 years. */
    public static final Retention DEFAULT = new Retention(Duration.ofDays(8), Duration.ofDays(90), Duration.ofDays(5 * 365));

    public Retention {
        for (Duration d : new Duration[] {windows, hourly, daily}) {
            if (d != null && (d.isNegative() || d.isZero())) {
                throw new IllegalArgumentException("a retention must be positive, got " + d);
            }
        }
    }

    /** One partition dropped (or, in a dry run, that would be), or the hand-written rows of a default partition. */
    public record Dropped(String table, String partition, Instant before, long rows) {
    }

    /** Applies the policy as of {@code now}; with {@code dryRun} only says what it would drop. */
    public List<Dropped> apply(PostgresUrl url, Instant now, boolean dryRun) throws SQLException {
        try (Connection c = DriverManager.getConnection(url.jdbc())) {
            return apply(c, now, dryRun);
        }
    }

    List<Dropped> apply(Connection c, Instant now, boolean dryRun) throws SQLException {
        List<Dropped> dropped = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT * FROM vigil_apply_retention(?::interval, ?::interval, ?::interval, ?, ?)")) {
            ps.setString(1, interval(windows));
            ps.setString(2, interval(hourly));
            ps.setString(3, interval(daily));
            ps.setObject(4, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            ps.setBoolean(5, dryRun);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp before = rs.getTimestamp("upper_bound");
                    dropped.add(new Dropped(rs.getString("table_name"), rs.getString("partition_name"),
                            before.toInstant(), rs.getLong("rows_dropped")));
                }
            }
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
        return dropped;
    }

    private static String interval(Duration d) {
        return d == null ? null : d.toMillis() + " milliseconds";
    }
}
