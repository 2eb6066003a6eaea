package dev.vigil.cli;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/** The end of the demo: what PostgreSQL holds, in the words of the SQL a user can run themselves. */
final class DemoSummary {

    /** Per service and type over the whole run; printed verbatim as the first example query. */
    static final String SUMMARY_SQL = """
            SELECT service, type, sum(count) AS events,
                   round((sum(errors)::numeric / sum(count)) * 100, 2) AS error_pct,
                   round(latency_quantile(latency_hist, 0.50)::numeric, 2) AS p50_ms,
                   round(latency_quantile(latency_hist, 0.95)::numeric, 2) AS p95_ms,
                   round(latency_quantile(latency_hist, 0.99)::numeric, 2) AS p99_ms,
                   round((sum(hits)::numeric / nullif(sum(hits) + sum(misses), 0)) * 100, 2) AS hit_pct
            FROM metric_windows WHERE name = '*'
            GROUP BY service, type ORDER BY service, type""";

    static final String ALERTS_SQL = """
            SELECT window_end, severity, event, rule, service, type, name, metric,
                   round(value::numeric, 4) AS value, threshold
            FROM alerts ORDER BY window_end, service, name, rule, event""";

    static final String SLOWEST_SQL = """
            SELECT service, name, sum(count) AS requests, round(latency_quantile(latency_hist, 0.99)::numeric, 1) AS p99_ms
            FROM metric_windows WHERE type = 'request' AND name <> '*'
            GROUP BY service, name ORDER BY p99_ms DESC LIMIT 5""";

    private final String jdbcUrl;

    DemoSummary(String jdbcUrl) {
        this.jdbcUrl = jdbcUrl;
    }

    void print(PrintStream out) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement()) {
            out.println();
            out.println("Summary over the whole run, read back from PostgreSQL (rollup rows, name = '*'):");
            out.printf(Locale.ROOT, "  %-10s %-8s %10s %8s %9s %9s %9s %8s%n",
                    "service", "type", "events", "errors", "p50 ms", "p95 ms", "p99 ms", "hit rate");
            try (ResultSet rs = st.executeQuery(SUMMARY_SQL)) {
                while (rs.next()) {
                    out.printf(Locale.ROOT, "  %-10s %-8s %,10d %7s%% %9s %9s %9s %8s%n",
                            rs.getString("service"), rs.getString("type"), rs.getLong("events"),
                            rs.getBigDecimal("error_pct").toPlainString(), text(rs, "p50_ms"), text(rs, "p95_ms"),
                            text(rs, "p99_ms"), rs.getBigDecimal("hit_pct") == null ? "-" : rs.getBigDecimal("hit_pct").toPlainString() + "%");
                }
            }
            out.println();
            out.println("Alerts (alerts table):");
            int n = 0;
            try (ResultSet rs = st.executeQuery(ALERTS_SQL)) {
                while (rs.next()) {
                    n++;
                    out.printf(Locale.ROOT, "  %s %-8s %-9s %-20s %s %s %s  %s=%s vs %s%n",
                            rs.getObject("window_end", java.time.OffsetDateTime.class).toInstant(),
                            rs.getString("severity").toUpperCase(Locale.ROOT), rs.getString("event"), rs.getString("rule"),
                            rs.getString("service"), rs.getString("type"), rs.getString("name"), rs.getString("metric"),
                            rs.getBigDecimal("value") == null ? "no-data" : rs.getBigDecimal("value").stripTrailingZeros().toPlainString(),
                            trim(rs.getDouble("threshold")));
                }
            }
            if (n == 0) {
                out.println("  (none)");
            }
        }
        String psql = jdbcUrl.startsWith("jdbc:") ? jdbcUrl.substring("jdbc:".length()) : jdbcUrl;
        out.println();
        out.println("Try it yourself (with --keep the stack stays up):");
        out.println("  psql \"" + psql + "\" -c \"" + oneLine(SUMMARY_SQL) + "\"");
        out.println("  psql \"" + psql + "\" -c \"" + oneLine(SLOWEST_SQL) + "\"");
        out.println("  psql \"" + psql + "\" -c \"" + oneLine(ALERTS_SQL) + "\"");
    }

    private static String text(ResultSet rs, String column) throws SQLException {
        return rs.getBigDecimal(column) == null ? "-" : rs.getBigDecimal(column).toPlainString();
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String oneLine(String sql) {
        return sql.replaceAll("\\s+", " ").trim();
    }
}
