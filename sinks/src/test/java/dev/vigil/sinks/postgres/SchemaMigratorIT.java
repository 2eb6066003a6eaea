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
                "p999_ms", "max_ms", "latency_hist", "updated_at");
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
                        '{1000,3,12500,1}')
                ON CONFLICT (type, service, name, window_start, window_end)
                DO UPDATE SET count = EXCLUDED.count, updated_at = now()""";
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.executeUpdate(upsert.formatted(4));
            st.executeUpdate(upsert.formatted(5));
            try (ResultSet rs = st.executeQuery("select count(*), max(count), max(latency_hist[3]) from metric_windows")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
                assertThat(rs.getLong(2)).isEqualTo(5);
                assertThat(rs.getLong(3)).isEqualTo(12500);
            }
            assertThatThrownBy(() -> st.executeUpdate("INSERT INTO alerts (alert_id, event, rule, severity, type, "
                    + "service, name, metric, window_start, window_end, started_at, summary) VALUES ('a', 'paging', 'r', "
                    + "'warning', 'request', 's', 'n', 'p95_ms', now(), now(), now(), 'x')"))
                    .hasMessageContaining("alerts_event_check");
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
