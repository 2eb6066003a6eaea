package dev.vigil.jobs;

import dev.vigil.alerting.SlaRule;
import dev.vigil.alerting.SlaRules;
import dev.vigil.sinks.postgres.PostgresUrl;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Writes the job's SLA rules into {@code sla_rules} when it is assembled, so that SQL reports
 * ({@code sla_compliance}) judge windows by the same thresholds the job does. Rules the job no longer
 * has stay, marked inactive: reports over older periods still find their thresholds.
 */
public final class RuleCatalog {
    private RuleCatalog() {
    }

    public static void publish(PostgresUrl url, SlaRules rules) {
        try (Connection c = DriverManager.getConnection(url.jdbc())) {
            c.setAutoCommit(false);
            try (PreparedStatement deactivate = c.prepareStatement("UPDATE sla_rules SET active = false, updated_at = now() WHERE active");
                 PreparedStatement upsert = c.prepareStatement("""
                         INSERT INTO sla_rules (rule, type, services, names, rollup, metric, comparison, warning, critical,
                                                for_windows, resolve_after, min_count, active, updated_at)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true, now())
                         ON CONFLICT (rule) DO UPDATE SET type = EXCLUDED.type, services = EXCLUDED.services,
                             names = EXCLUDED.names, rollup = EXCLUDED.rollup, metric = EXCLUDED.metric,
                             comparison = EXCLUDED.comparison, warning = EXCLUDED.warning, critical = EXCLUDED.critical,
                             for_windows = EXCLUDED.for_windows, resolve_after = EXCLUDED.resolve_after,
                             min_count = EXCLUDED.min_count, active = true, updated_at = now()""")) {
                deactivate.executeUpdate();
                for (SlaRule r : rules.rules()) {
                    upsert.setString(1, r.name());
                    upsert.setString(2, r.type());
                    upsert.setArray(3, c.createArrayOf("text", r.services().toArray()));
                    upsert.setArray(4, c.createArrayOf("text", r.names().toArray()));
                    upsert.setString(5, r.rollup().name().toLowerCase(Locale.ROOT));
                    upsert.setString(6, r.metric());
                    upsert.setString(7, r.comparison().symbol());
                    upsert.setDouble(8, r.warning());
                    upsert.setDouble(9, r.critical());
                    upsert.setInt(10, r.forWindows());
                    upsert.setInt(11, r.resolveAfter());
                    upsert.setLong(12, r.minCount());
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write the SLA rules to sla_rules in " + url + ": " + e.getMessage(), e);
        }
    }
}
