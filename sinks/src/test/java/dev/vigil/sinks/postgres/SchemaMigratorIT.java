package dev.vigil.sinks.postgres;

import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(EmbeddedStackExtension.class)
class SchemaMigratorIT {

    @Test
    void createsTheContractTablesOnceAndIsIdempotent(EmbeddedStack stack) throws SQLException {
        String url = stack.postgres().createDatabase("migrator_fresh");

        SchemaMigrator.Result first = SchemaMigrator.migrate(url);
        SchemaMigrator.Result second = SchemaMigrator.migrate(url);

        assertThat(first.migrationsApplied()).isGreaterThanOrEqualTo(1);
        assertThat(second.migrationsApplied()).isZero();
        assertThat(second.schemaVersion()).isEqualTo(first.schemaVersion());
        assertThat(columns(url, "metric_windows")).containsExactly(
                "type", "service", "name", "window_start", "window_end", "count", "errors", "error_rate",
                "hits", "misses", "hit_rate", "min_ms", "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms",
                "p999_ms", "max_ms", "latency_hist", "updated_at", "latency_hist_index", "latency_hist_subindex");
        assertThat(columns(url, "metric_windows_1h")).as("the rollups have the same columns").isEqualTo(columns(url, "metric_windows"));
        assertThat(columns(url, "metric_windows_1d")).isEqualTo(columns(url, "metric_windows"));
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("SELECT vigil_ensure_partition('metric_windows_1h', '2031-07-04T00:00:00Z')");
            try (ResultSet rs = st.executeQuery("""
                    SELECT count(*), count(*) FILTER (WHERE a.attstorage <> 'p') FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid
                    WHERE a.attname = 'latency_hist_subindex' AND r.relname LIKE 'metric_windows%'""")) {
                rs.next();
                assertThat(rs.getLong(1)).as("tables and partitions with a sub-index").isGreaterThan(4);
                assertThat(rs.getLong(2)).as("every partition, also one created later, stores it uncompressed").isZero();
            }
        }
        assertThat(columns(url, "alerts")).startsWith(
                "alert_id", "event", "rule", "severity", "type", "service", "name", "metric", "value",
                "threshold", "window_start", "window_end", "started_at", "summary");
    }

    @Test
    void metricWindowsTakesIdempotentUpsertsOnItsPrimaryKey(EmbeddedStack stack) throws SQLException {
        String url = stack.postgres().createDatabase("migrator_upsert");
        SchemaMigrator.migrate(url);
        String upsert = """
                INSERT INTO metric_windows (type, service, name, window_start, window_end, count, errors, error_rate,
                                            p95_ms, latency_hist)
                VALUES ('request', 'checkout', '*', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', %d, 0, 0, 12.5,
                        ARRAY[latency_bucket_of_ns(1000000) << 40 | 3, latency_bucket_of_ns(12500000) << 40 | 1])
                ON CONFLICT (type, service, name, window_start, window_end)
                DO UPDATE SET count = EXCLUDED.count, updated_at = now()""";
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.executeUpdate(upsert.formatted(4));
            st.executeUpdate(upsert.formatted(5));
            try (ResultSet rs = st.executeQuery("select count(*), max(count), latency_hist_count(max(latency_hist)) from metric_windows")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
                assertThat(rs.getLong(2)).isEqualTo(5);
                assertThat(rs.getLong(3)).as("3 and 1 durations").isEqualTo(4);
            }
            assertThatThrownBy(() -> st.executeUpdate("INSERT INTO alerts (alert_id, event, rule, severity, type, "
                    + "service, name, metric, window_start, window_end, started_at, summary) VALUES ('a', 'paging', 'r', "
                    + "'warning', 'request', 's', 'n', 'p95_ms', now(), now(), now(), 'x')"))
                    .hasMessageContaining("alerts_event_check");
        }
    }

    /** v6 → v7 gives every existing alert row the fingerprint the job computes for its series, and its status. */
    @Test
    void theFingerprintMigrationFillsOlderAlertRowsWithTheJobsFormula(EmbeddedStack stack) throws SQLException {
        String url = stack.postgres().createDatabase("migrator_v6");
        org.flywaydb.core.Flyway.configure(SchemaMigrator.class.getClassLoader()).dataSource(url, null, null)
                .locations("classpath:db/migration").target("6").load().migrate();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.executeUpdate("""
                    INSERT INTO alerts (alert_id, event, rule, severity, type, service, name, metric, window_start,
                                        window_end, started_at, summary)
                    VALUES ('a1', 'firing', 'request-p95', 'critical', 'request', 'shop', 'GET /cart/{id}', 'p95_ms', now(), now(), now(), 'x'),
                           ('a2', 'escalated', 'request-p95', 'critical', 'request', 'shop', 'GET /cart/{id}', 'p95_ms', now(), now(), now(), 'x'),
                           ('a3', 'resolved', 'cache-hit-rate', 'warning', 'cache', 'café', '*', 'hit_rate', now(), now(), now(), 'x')""");
        }

        SchemaMigrator.migrate(url);

        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT alert_id, fingerprint, status FROM alerts ORDER BY alert_id")) {
            List<String> rows = new java.util.ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
            String cart = dev.vigil.model.AlertEvent.fingerprint("request-p95", "request", "shop", "GET /cart/{id}");
            String cafe = dev.vigil.model.AlertEvent.fingerprint("cache-hit-rate", "cache", "café", "*");
            assertThat(rows).containsExactly("a1 " + cart + " firing", "a2 " + cart + " firing", "a3 " + cafe + " resolved");
        }
    }

    /** slo_status rows go with the one-window rows' retention; a dry run only counts them. */
    @Test
    void retentionDeletesSloStatusRowsOlderThanTheWindowsRetention(EmbeddedStack stack) throws SQLException {
        String url = stack.postgres().createDatabase("migrator_slo_retention");
        SchemaMigrator.migrate(url);
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.executeUpdate("""
                    INSERT INTO slo_status (slo, type, service, name, window_start, window_end, objective, good, total,
                                            window_good, window_total, budget_remaining, burn_rates, state)
                    SELECT 'pay-availability', 'request', 'pay', '*', t - interval '1 minute', t, 0.999, 10, 10, 1, 1, 1,
                           '{"5m": 0}', 'ok'
                    FROM unnest(ARRAY[timestamptz '2026-01-01 00:00Z', '2026-01-05 00:00Z', '2026-01-09 12:00Z']) AS t""");
            String apply = "SELECT table_name, rows_dropped FROM vigil_apply_retention(interval '8 days', NULL, NULL, "
                    + "timestamptz '2026-01-10 00:00Z', %s) WHERE table_name = 'slo_status'";
            assertThat(row(st, apply.formatted("true"))).containsExactly("slo_status", "1");
            assertThat(row(st, "SELECT count(*) FROM slo_status")).containsExactly("3");
            assertThat(row(st, apply.formatted("false"))).containsExactly("slo_status", "1");
            assertThat(row(st, "SELECT count(*), min(window_end) = timestamptz '2026-01-05 00:00Z' FROM slo_status"))
                    .containsExactly("2", "t");
        }
    }

    @Test
    void acceptsTheLibpqFormThatPsqlUses(EmbeddedStack stack) {
        stack.postgres().createDatabase("migrator_libpq");
        String libpq = "postgresql://vigil:vigil@localhost:" + stack.postgres().port() + "/migrator_libpq";
        assertThat(SchemaMigrator.migrate(libpq).migrationsApplied()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void saysWhatIsWrongWhenTheServerIsUnreachable() {
        assertThatThrownBy(() -> SchemaMigrator.migrate("jdbc:postgresql://localhost:1/vigil?user=u&password=secret&connectTimeout=2"))
                .isInstanceOf(SchemaMigrationException.class)
                .hasMessageStartingWith("migrating jdbc:postgresql://localhost:1/vigil?user=u&password=***")
                .hasMessageContaining("Connection to localhost:1 refused")
                .hasMessageNotContaining("secret");
    }

    /**
     * v3 → v4 turns metric_windows into a partitioned table with a new histogram encoding. Every row
     * must survive with the same numbers and the same quantiles, and the rollups start out as the merge
     * of the rows that were there.
     */
    @Test
    void theMigrationToPartitionedTablesKeepsEveryRowAndItsQuantilesAndRollsThemUp(EmbeddedStack stack) throws SQLException {
        String url = stack.postgres().createDatabase("migrator_v3");
        org.flywaydb.core.Flyway.configure(SchemaMigrator.class.getClassLoader()).dataSource(url, null, null)
                .locations("classpath:db/migration").target("3").load().migrate();
        // Three days of a request series (v3 histograms: pairs of bucket upper edge in ns and count), a
        // cache series without durations, and a row of last year's event time.
        String v3Rows = """
                INSERT INTO metric_windows (type, service, name, window_start, window_end, count, errors, error_rate,
                                            min_ms, mean_ms, max_ms, latency_hist)
                SELECT 'request', 'pay', 'POST /pay', t, t + interval '1 minute', 3, m % 2, (m % 2) / 3.0,
                       0.2, 4.0, 40.0,
                       ARRAY[200, 1, 1003519 + (m % 5) * 4096, 1, 40108031, 1]::bigint[]
                FROM generate_series(0, 3 * 1440 - 1) AS m, LATERAL (SELECT timestamptz '2026-03-01 00:00Z' + m * interval '1 minute' AS t) w;
                INSERT INTO metric_windows (type, service, name, window_start, window_end, count, errors, error_rate,
                                            hits, misses, hit_rate)
                VALUES ('cache', 'pay', 'redis', '2026-03-01 00:00Z', '2026-03-01 00:01Z', 10, 0, 0, 7, 3, 0.7),
                       ('request', 'pay', 'POST /pay', '2025-06-30 23:59Z', '2025-07-01 00:00Z', 1, 0, 0, NULL, NULL, NULL);
                """;
        String quantiles = """
                SELECT count(*), sum(count), sum(errors),
                       latency_quantile(latency_hist, 0.5), latency_quantile(latency_hist, 0.9),
                       latency_quantile(latency_hist, 0.99), latency_quantile(latency_hist, 1)
                FROM metric_windows""";
        List<String> before;
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute(v3Rows);
            before = row(st, quantiles);
        }
        assertThat(before.get(0)).isEqualTo("4322");

        SchemaMigrator.Result result = SchemaMigrator.migrate(url);

        assertThat(result.migrationsApplied()).isGreaterThanOrEqualTo(1);
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            assertThat(row(st, quantiles)).as("every row, the same numbers and quantiles").isEqualTo(before);
            assertThat(row(st, "SELECT relkind FROM pg_class WHERE relname = 'metric_windows'")).containsExactly("p");
            assertThat(row(st, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'metric_windows'::regclass"))
                    .as("a partition per day that had rows (4), the week ahead, the default").isNotEqualTo(List.of("0"));
            assertThat(row(st, "SELECT count(*), sum(count), latency_hist_count(latency_merge(latency_hist)) FROM metric_windows_1h"))
                    .as("3 days x 24 hours of the request series, one cache hour, last year's hour")
                    .containsExactly("74", "12971", "12960");
            assertThat(row(st, "SELECT count(*), sum(count) FROM metric_windows_1d")).containsExactly("5", "12971");
            assertThat(row(st, """
                    SELECT latency_hist_quantiles(latency_merge(latency_hist), ARRAY[0.5, 0.9, 0.99, 1])::text
                    FROM metric_windows_1d""").get(0))
                    .as("the rollups' histograms are the same as the minute rows'")
                    .isEqualTo("{" + String.join(",", before.subList(3, 7)) + "}");
            assertThat(row(st, "SELECT hit_rate FROM metric_windows_1d WHERE type = 'cache'")).containsExactly("0.7");
        }
    }

    private static List<String> row(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                values.add(rs.getString(i));
            }
            return values;
        }
    }

    private static List<String> columns(String url, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
             ResultSet rs = c.getMetaData().getColumns(null, "public", table, null)) {
            while (rs.next()) {
                names.add(rs.getString("COLUMN_NAME"));
            }
        }
        return names;
    }
}
