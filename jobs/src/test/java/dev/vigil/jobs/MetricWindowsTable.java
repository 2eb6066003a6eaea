package dev.vigil.jobs;

import dev.vigil.model.MetricWindow;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/** Reads {@code metric_windows} back, keyed like the oracle. */
final class MetricWindowsTable {
    private MetricWindowsTable() {
    }

    static Map<String, MetricWindow> read(String url) throws SQLException {
        Map<String, MetricWindow> rows = new HashMap<>();
        for (MetricWindow w : dev.vigil.sinks.postgres.MetricWindowsTable.readAll(url)) {
            rows.put(Oracle.key(w), w);
        }
        return rows;
    }

    static long count(String url, String where) throws SQLException {
        return dev.vigil.sinks.postgres.MetricWindowsTable.count(url, where);
    }
}
