package dev.vigil.sinks.postgres;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.model.SloStatus;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Writes SLO status rows into {@code slo_status}, upserting on (slo, type, service, name, window_end): a
 * replay after a failure leaves the rows of a run without one.
 */
public final class SloStatusSink {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String UPSERT = """
            INSERT INTO slo_status (slo, type, service, name, window_start, window_end, objective, good, total,
                                    window_good, window_total, budget_remaining, burn_rates, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
            ON CONFLICT (slo, type, service, name, window_end) DO UPDATE SET
                window_start = EXCLUDED.window_start, objective = EXCLUDED.objective, good = EXCLUDED.good,
                total = EXCLUDED.total, window_good = EXCLUDED.window_good, window_total = EXCLUDED.window_total,
                budget_remaining = EXCLUDED.budget_remaining, burn_rates = EXCLUDED.burn_rates,
                state = EXCLUDED.state, updated_at = now()""";

    private SloStatusSink() {
    }

    public static JdbcSink<SloStatus> create(PostgresUrl url, BatchSettings batches) {
        // One statement per row: a late re-fire can bring the same key twice into one batch.
        return JdbcSinks.idempotent(url, batches, UPSERT, SloStatusSink::bind, false);
    }

    static void bind(PreparedStatement ps, SloStatus s) throws SQLException {
        ps.setString(1, s.slo());
        ps.setString(2, s.type());
        ps.setString(3, s.service());
        ps.setString(4, s.name());
        ps.setObject(5, AlertsSink.utc(s.windowStart()));
        ps.setObject(6, AlertsSink.utc(s.windowEnd()));
        ps.setDouble(7, s.objective());
        ps.setLong(8, s.good());
        ps.setLong(9, s.total());
        ps.setLong(10, s.windowGood());
        ps.setLong(11, s.windowTotal());
        ps.setDouble(12, s.budgetRemaining());
        ps.setString(13, burnRates(s));
        ps.setString(14, s.state());
    }

    /** {@code {"5m": 0.0, "30m": 1.5, ...}}, shortest window first. */
    static String burnRates(SloStatus s) {
        ObjectNode o = JSON.createObjectNode();
        for (int i = 0; i < s.burnWindows().length; i++) {
            o.put(s.burnWindows()[i], s.burnRates()[i]);
        }
        return o.toString();
    }
}
