package dev.vigil.sinks.postgres;

import dev.vigil.model.MetricWindow;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(EmbeddedStackExtension.class)
class MetricWindowsWriterIT {

    private static final long T = 1_764_000_000_000L;

    @Test
    void writesEveryFieldExactlyAndKeepsTheNewestVersionOfARowInABatch(EmbeddedStack stack) throws Exception {
        String url = PostgresUrl.toJdbc(stack.postgres().createDatabase("writer_exact"));
        SchemaMigrator.migrate(url);
        SimpleCounter upserted = new SimpleCounter();
        ManualTime time = new ManualTime();
        MetricWindowsWriter writer = new MetricWindowsWriter(url, 1000, 200, 2, time, upserted, null);

        MetricWindow request = row("request", "api", "GET /users/{id}", T, 100, 0.1 + 0.2,
                new long[] {1_048_575, 60, 2_097_151, 40});
        MetricWindow tricky = row("query", "db\tshard\\1", "SELECT \"x\"\nFROM ü 😀", T, 3, 1e-300, null);
        MetricWindow cache = new MetricWindow("cache", "api", "plan_catalog", T, T + 60_000, 10, 1, 7L, 3L,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null);
        MetricWindow first = row("request", "api", "*", T, 5, 1.0, new long[] {1000, 5});
        MetricWindow refired = row("request", "api", "*", T, 6, 2.5, new long[] {1000, 5, 3000, 1});
        MetricWindow emptyHistogram = row("scraper", "api", "example.org", T, 10, 1.0, new long[0]);
        for (MetricWindow w : List.of(request, tricky, cache, first, refired, emptyHistogram)) {
            writer.write(w, null);
        }
        assertThat(read(url)).as("nothing before a flush").isEmpty();
        assertThat(time.registered).as("a timer bounds how long a row waits").isEqualTo(1);

        writer.flush(false);

        Map<String, MetricWindow> rows = read(url);
        assertThat(rows).hasSize(5);
        assertThat(rows.get(request.primaryKey())).isEqualTo(request);
        assertThat(rows.get(emptyHistogram.primaryKey())).isEqualTo(emptyHistogram);
        assertThat(rows.get(tricky.primaryKey())).isEqualTo(tricky);
        assertThat(rows.get(cache.primaryKey())).isEqualTo(cache);
        assertThat(rows.get(refired.primaryKey())).as("the re-fire replaced the first version")
                .isEqualTo(refired);
        assertThat(upserted.getCount()).isEqualTo(5);

        // A later batch with a newer version updates the row in place.
        MetricWindow later = row("request", "api", "GET /users/{id}", T, 101, 7.0, new long[] {1_048_575, 61});
        writer.write(later, null);
        writer.flush(true);
        assertThat(read(url)).hasSize(5).containsEntry(later.primaryKey(), later);
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(latency_hist_index), count(*) FILTER (WHERE latency_hist_index "
                     + "IS DISTINCT FROM latency_hist_index_of(latency_hist)) FROM metric_windows")) {
            rs.next();
            assertThat(rs.getLong(1)).as("every row with a histogram has its index").isEqualTo(2);
            assertThat(rs.getLong(2)).as("the index PostgreSQL computes, also after the update").isZero();
        }
        writer.close();
    }

    /**
     * Hourly and daily rows carry the sub-index (schema v13) that PostgreSQL computes from their histograms,
     * copied straight in and upserted alike; minute rows carry none.
     */
    @Test
    void rollupRowsCarryTheSubIndexPostgresComputes(EmbeddedStack stack) throws Exception {
        String url = PostgresUrl.toJdbc(stack.postgres().createDatabase("writer_subindex"));
        SchemaMigrator.migrate(url);
        MetricWindowsWriter writer = new MetricWindowsWriter(url, 1000, 200, 2, new ManualTime(), new SimpleCounter(), null);
        long hour = T - T % 3_600_000L;
        long day = T - T % 86_400_000L;
        long[] wide = {300, 2, 1_000_000, 7, 1_050_000, 1, 7_777_777, 3, 40_000_000, 1};
        for (int version = 0; version < 2; version++) {  // a first write is copied in, the second upserted
            long extra = version;
            writer.write(row("request", "api", "GET /a", hour, 14, 1.0, wide), null);
            writer.write(new MetricWindow("request", "api", "GET /a", hour, hour + 3_600_000L, 14 + extra, 0, null, null,
                    0.5, 12.25, 1.0, 90.0, 95.5, 99.0, 123_456.789, 2e6, new long[] {300, 2, 1_000_000, 7 + extra, 40_000_000, 1}), null);
            writer.write(new MetricWindow("request", "api", "GET /a", day, day + 86_400_000L, 14 + extra, 0, null, null,
                    0.5, 12.25, 1.0, 90.0, 95.5, 99.0, 123_456.789, 2e6, new long[] {300, 2 + extra, 7_777_777, 3, 40_000_000, 1}), null);
            writer.flush(true);
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("""
                         SELECT (SELECT count(*) FROM metric_windows WHERE latency_hist_subindex IS NOT NULL),
                                (SELECT count(*) FROM metric_windows_1h WHERE latency_hist_subindex = latency_hist_subindex_of(latency_hist)),
                                (SELECT count(*) FROM metric_windows_1d WHERE latency_hist_subindex = latency_hist_subindex_of(latency_hist)),
                                (SELECT count(*) FROM metric_windows_1h WHERE count = 14 + %d)""".formatted(extra))) {
                rs.next();
                assertThat(rs.getLong(1)).as("minute rows: no sub-index").isZero();
                assertThat(rs.getLong(2)).as("hourly row %d", version).isEqualTo(1);
                assertThat(rs.getLong(3)).as("daily row %d", version).isEqualTo(1);
                assertThat(rs.getLong(4)).as("version %d written", version).isEqualTo(1);
            }
        }
        writer.close();
    }

    @Test
    void aFullBatchIsWrittenWithoutWaitingAndAConnectionLostBetweenBatchesIsReplaced(EmbeddedStack stack) throws Exception {
        String url = PostgresUrl.toJdbc(stack.postgres().createDatabase("writer_batches"));
        SchemaMigrator.migrate(url);
        MetricWindowsWriter writer = new MetricWindowsWriter(url, 3, 200, 2, new ManualTime(), new SimpleCounter(), null);
        for (int i = 0; i < 3; i++) {
            writer.write(row("request", "api", "r" + i, T, 1, 1.0, null), null);
        }
        assertThat(read(url)).hasSize(3);

        try (Connection admin = DriverManager.getConnection(url); Statement s = admin.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    + "WHERE datname = current_database() AND pid <> pg_backend_pid()");
        }
        writer.write(row("request", "api", "after-reconnect", T, 1, 1.0, null), null);
        writer.flush(true);
        assertThat(read(url)).hasSize(4).containsKey(
                row("request", "api", "after-reconnect", T, 1, 1.0, null).primaryKey());
        writer.close();
    }

    /**
     * New windows are copied straight in; a batch that meets rows already there (late re-fires, rollups
     * written again, a writer that restarted and replays) still ends with every row's newest version.
     */
    @Test
    void rowsThatExistAlreadyAreUpdatedWhateverTheWriterKnows(EmbeddedStack stack) throws Exception {
        String url = PostgresUrl.toJdbc(stack.postgres().createDatabase("writer_existing"));
        SchemaMigrator.migrate(url);
        MetricWindowsWriter writer = new MetricWindowsWriter(url, 1000, 200, 0, new ManualTime(), new SimpleCounter(), null);
        long day = T - T % 86_400_000L;
        List<MetricWindow> first = List.of(row("request", "api", "a", T, 1, 1.0, new long[] {1000, 1}),
                row("request", "api", "b", T, 1, 1.0, null),
                new MetricWindow("request", "api", "*", day, day + 86_400_000L, 2, 0, null, null,
                        1, 1, 1, 1, 1, 1, 1, 1, new long[] {1000, 2}));
        first.forEach(w -> write(writer, w));
        writer.flush(false);
        assertThat(readEveryTable(url).values()).containsExactlyInAnyOrderElementsOf(first);

        // One batch: a late re-fire of window T, a new series in window T, the next window, the day again.
        List<MetricWindow> second = List.of(row("request", "api", "a", T, 2, 1.5, new long[] {1000, 1, 2000, 1}),
                row("request", "api", "c", T, 1, 1.0, null),
                row("request", "api", "a", T + 60_000, 1, 1.0, null),
                new MetricWindow("request", "api", "*", day, day + 86_400_000L, 4, 0, null, null,
                        1, 1, 1, 1, 1, 1, 1, 1, new long[] {1000, 3, 2000, 1}));
        second.forEach(w -> write(writer, w));
        writer.flush(false);
        Map<String, MetricWindow> expected = new HashMap<>();
        for (MetricWindow w : first) {
            expected.put(w.primaryKey(), w);
        }
        for (MetricWindow w : second) {
            expected.put(w.primaryKey(), w);
        }
        assertThat(readEveryTable(url)).isEqualTo(expected);
        writer.close();

        // A new writer (a restart) replays rows that are there and adds one that is not.
        MetricWindowsWriter restarted = new MetricWindowsWriter(url, 1000, 200, 0, new ManualTime(), new SimpleCounter(), null);
        MetricWindow replayed = row("request", "api", "a", T + 60_000, 3, 2.0, null);
        MetricWindow added = row("request", "api", "d", T + 60_000, 1, 1.0, null);
        write(restarted, replayed);
        write(restarted, added);
        restarted.flush(true);
        expected.put(replayed.primaryKey(), replayed);
        expected.put(added.primaryKey(), added);
        assertThat(readEveryTable(url)).isEqualTo(expected);
        restarted.close();
    }

    private static Map<String, MetricWindow> readEveryTable(String url) throws SQLException {
        Map<String, MetricWindow> rows = new HashMap<>();
        for (WindowTable table : WindowTable.values()) {
            MetricWindowsTable.readAll(url, table.table()).forEach(w -> rows.put(w.primaryKey(), w));
        }
        return rows;
    }

    private static void write(MetricWindowsWriter writer, MetricWindow row) {
        try {
            writer.write(row, null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static MetricWindow row(String type, String service, String name, long start, long count, double p50,
                                    long[] hist) {
        return new MetricWindow(type, service, name, start, start + 60_000, count, count / 10, null, null,
                0.5, 12.25, p50, 90.0, 95.5, 99.0, 123_456.789, 2e6, hist);
    }

    private static Map<String, MetricWindow> read(String url) throws SQLException {
        Map<String, MetricWindow> rows = new HashMap<>();
        MetricWindowsTable.readAll(url).forEach(w -> rows.put(w.primaryKey(), w));
        // The columns a MetricWindow derives rather than holds: same arithmetic in PostgreSQL as in Java.
        assertThat(MetricWindowsTable.count(url, "updated_at IS NULL OR error_rate <> errors::float8 / count "
                + "OR hit_rate IS DISTINCT FROM CASE WHEN hits + misses > 0 THEN hits::float8 / (hits + misses) END"))
                .isZero();
        return rows;
    }

    /** Counts timer registrations; the tests flush by hand. */
    private static final class ManualTime implements ProcessingTimeService {
        int registered;
        final List<ProcessingTimeCallback> callbacks = new ArrayList<>();

        @Override
        public long getCurrentProcessingTime() {
            return System.currentTimeMillis();
        }

        @Override
        public ScheduledFuture<?> registerTimer(long time, ProcessingTimeCallback callback) {
            registered++;
            callbacks.add(callback);
            return null;
        }
    }
}
