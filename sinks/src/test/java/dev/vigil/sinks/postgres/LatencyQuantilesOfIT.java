package dev.vigil.sinks.postgres;

import dev.vigil.model.PackedHistogram;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code latency_hist_index} and {@code latency_quantiles_of} (schema v9): the index the job writes is the
 * one PostgreSQL computes, and the two-pass quantiles equal merging every histogram, with or without
 * indexes, for one series or many; {@code latency_quantiles} (v10) answers the same from the rollups; a named
 * series answers the same through the statements whose plans the session keeps (v12).
 */
@ExtendWith(EmbeddedStackExtension.class)
class LatencyQuantilesOfIT {

    private static final long DAY = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();
    private static final double[] QS = {0, 0.001, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1};
    private static String url;

    @BeforeAll
    static void schema(EmbeddedStack stack) {
        url = stack.postgres().createDatabase("latency_quantiles_of");
        SchemaMigrator.migrate(url);
    }

    @Test
    void theIndexTheJobWritesIsTheOnePostgresComputes() throws SQLException {
        Random random = new Random(3);
        List<long[]> hists = new ArrayList<>();
        hists.add(new long[] {PackedHistogram.pack(7, 1)});                       // a single 7 ns value
        hists.add(new long[] {PackedHistogram.pack(100, 2), PackedHistogram.pack(300, 5)}); // groups 0 and 2, 1 empty
        hists.add(new long[] {PackedHistogram.pack(2000, PackedHistogram.MAX_COUNT), PackedHistogram.pack(2000, 5),
                PackedHistogram.pack(2001, 1)});                                  // a count spanning two numbers
        for (int i = 0; i < 200; i++) {
            hists.add(histogram(random, 1 + random.nextInt(3000), 0.2 + random.nextDouble() * 30, random.nextDouble() * 1.5));
        }
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT latency_hist_index_of(?), latency_hist_subindex_of(?)")) {
            for (long[] hist : hists) {
                ps.setArray(1, array(c, hist));
                ps.setArray(2, array(c, hist));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(longs(rs.getArray(1))).as(Arrays.toString(hist)).isEqualTo(PackedHistogram.index(hist));
                    assertThat(longs(rs.getArray(2))).as("sub-index of " + Arrays.toString(hist)).isEqualTo(PackedHistogram.subIndex(hist));
                }
            }
            ps.setArray(1, array(c, new long[0]));
            ps.setArray(2, array(c, new long[0]));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getArray(1)).isNull();
                assertThat(rs.getArray(2)).isNull();
            }
        }
        assertThat(PackedHistogram.index(null)).isNull();
        assertThat(PackedHistogram.subIndex(null)).isNull();
        long[] twoGroups = PackedHistogram.subIndex(new long[] {PackedHistogram.pack(300, 5), PackedHistogram.pack(317, 1),
                PackedHistogram.pack(318, 2), PackedHistogram.pack(400, 3)});
        assertThat(twoGroups).as("groups 2 and 3 (buckets 256-511), eight parts each").hasSize(17);
        assertThat(twoGroups[0]).isEqualTo(2);
        assertThat(twoGroups[1 + 2]).as("part 2 of group 2: buckets 288-303, the first number").isEqualTo(1L << 48 | 1L << 36 | 5);
        assertThat(twoGroups[1 + 3]).as("part 3: buckets 304-319, two numbers from the second").isEqualTo(2L << 48 | 2L << 36 | 3);
        assertThat(twoGroups[1 + 8 + 1]).as("part 1 of group 3: buckets 400-415").isEqualTo(4L << 48 | 1L << 36 | 3);
        assertThat(Arrays.stream(twoGroups).filter(v -> v == 0).count()).as("the other parts are empty").isEqualTo(13);
        long[] tooMany = {PackedHistogram.pack(3000, PackedHistogram.MAX_COUNT), PackedHistogram.pack(3000, PackedHistogram.MAX_COUNT)};
        assertThat(PackedHistogram.index(tooMany)).as("more than 2^36 - 1 durations in one group: no index").isNull();
    }

    @Test
    void twoPassQuantilesEqualMergingEveryHistogramForOneSeriesOrMany() throws SQLException {
        Random random = new Random(11);
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO metric_windows_1h (type, service, name, window_start, window_end, count, errors, error_rate,
                                                   latency_hist, latency_hist_index, latency_hist_subindex)
                    VALUES (?, ?, ?, ?, ?, 1, 0, 0, ?, ?, ?)""")) {
                String[][] series = {{"request", "shop", "GET /a"}, {"request", "shop", "GET /b"},
                        {"request", "pay", "*"}, {"query", "shop", "SELECT orders"}};
                for (int s = 0; s < series.length; s++) {
                    for (int hour = 0; hour < 72; hour++) {
                        double median = s == 2 && hour % 10 == 3 ? 400 : 5 + 20 * s; // pay: an incident now and then
                        long[] hist = hour % 7 == 5 ? null : histogram(random, 50 + random.nextInt(2000), median, 0.8);
                        long start = DAY + hour * 3_600_000L;
                        ps.setString(1, series[s][0]);
                        ps.setString(2, series[s][1]);
                        ps.setString(3, series[s][2]);
                        ps.setObject(4, utc(start));
                        ps.setObject(5, utc(start + 3_600_000L));
                        ps.setArray(6, hist == null ? null : array(c, hist));
                        // every third row without an index, as a row written before v9
                        ps.setArray(7, hist == null || hour % 3 == 0 ? null : array(c, PackedHistogram.index(hist)));
                        // and every fourth without a sub-index (v13), as a rollup written before it: every mix
                        ps.setArray(8, hist == null || hour % 4 == 1 ? null : array(c, PackedHistogram.subIndex(hist)));
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
            c.commit();
            try (Statement st = c.createStatement()) {
                String qs = "ARRAY" + Arrays.toString(QS) + "::float8[]";
                String from = "'2026-03-01T05:00:00Z'";
                String to = "'2026-03-03T19:00:00Z'";
                Map<String, String> merged = rows(st, """
                        SELECT service || '/' || type || '/' || name,
                               latency_hist_count(latency_merge(latency_hist)) || ' ' || latency_hist_quantiles(latency_merge(latency_hist), %s)::text
                        FROM metric_windows_1h WHERE window_start >= %s AND window_start < %s
                        GROUP BY service, type, name ORDER BY service, type, name""".formatted(qs, from, to));
                Map<String, String> every = rows(st, """
                        SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles_of('metric_windows_1h', %s, %s, %s, NULL, NULL, NULL)""".formatted(from, to, qs));
                assertThat(every).hasSize(4).isEqualTo(merged);
                Map<String, String> one = rows(st, """
                        SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles_of('metric_windows_1h', %s, %s, %s, 'pay', 'request', '*')""".formatted(from, to, qs));
                assertThat(one).containsExactlyEntriesOf(Map.of("pay/request/*", merged.get("pay/request/*")));
                assertThat(rows(st, """
                        SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles_of('metric_windows_1h', %s, %s, ARRAY[0.95], 'shop')""".formatted(from, to)))
                        .as("type defaults to request, every name of the service").hasSize(2);
                // Every row given a sub-index: three passes (v13) instead of two, the same answers.
                assertThat(st.executeUpdate("UPDATE metric_windows_1h SET latency_hist_subindex = latency_hist_subindex_of(latency_hist) "
                        + "WHERE latency_hist_subindex IS NULL AND latency_hist IS NOT NULL")).isPositive();
                assertThat(rows(st, """
                        SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles_of('metric_windows_1h', %s, %s, %s, NULL, NULL, NULL)""".formatted(from, to, qs)))
                        .as("three passes, every series").isEqualTo(merged);
                assertThat(rows(st, """
                        SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles_of('metric_windows_1h', %s, %s, %s, 'pay', 'request', '*')""".formatted(from, to, qs)))
                        .as("three passes, one series").containsExactlyEntriesOf(Map.of("pay/request/*", merged.get("pay/request/*")));

                // A writer that changes histograms but not their indexes: the stale indexes are cleared.
                int updated = st.executeUpdate("""
                        UPDATE metric_windows_1h SET latency_hist = latency_hist[1:3]
                        WHERE service = 'pay' AND latency_hist IS NOT NULL AND cardinality(latency_hist) > 3""");
                assertThat(updated).isPositive();
                assertThat(rows(st, "SELECT 'stale', count(*)::text FROM metric_windows_1h WHERE service = 'pay' "
                        + "AND (latency_hist_index IS NOT NULL OR latency_hist_subindex IS NOT NULL)"))
                        .containsEntry("stale", "0");
                c.commit();
                Map<String, String> after = rows(st, """
                        SELECT service || '/' || type || '/' || name,
                               latency_hist_count(latency_merge(latency_hist)) || ' ' || latency_hist_quantiles(latency_merge(latency_hist), %s)::text
                        FROM metric_windows_1h WHERE window_start >= %s AND window_start < %s AND service = 'pay'
                        GROUP BY service, type, name""".formatted(qs, from, to));
                assertThat(rows(st, """
                        SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles_of('metric_windows_1h', %s, %s, %s, 'pay', NULL, NULL)""".formatted(from, to, qs)))
                        .isEqualTo(after);
            }
        }
    }

    /**
     * {@code latency_quantiles} reads whole days from the daily rows, whole hours from the hourly rows and
     * the edges from minute rows: for ragged ranges of every shape it answers exactly what the minute rows
     * alone answer, and it really reads the rollups (with a day's minute rows gone, it still does).
     */
    @Test
    void quantilesFromTheCoarsestRowsEqualTheMinuteRows() throws SQLException {
        Random random = new Random(5);
        long start = Instant.parse("2026-04-01T20:00:00Z").toEpochMilli();
        int minutes = 50 * 60;
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO metric_windows (type, service, name, window_start, window_end, count, errors, error_rate,
                                                latency_hist, latency_hist_index)
                    VALUES (?, ?, ?, ?, ?, 1, 0, 0, ?, ?)""")) {
                String[][] series = TILES_SERIES;
                for (int s = 0; s < series.length; s++) {
                    for (int m = 0; m < minutes; m++) {
                        long[] hist = m % 97 == 13 ? null : histogram(random, 1 + random.nextInt(60), 3 + 40 * s + (m % 600 == 7 ? 500 : 0), 0.9);
                        long at = start + m * 60_000L;
                        ps.setString(1, series[s][0]);
                        ps.setString(2, "tiles");
                        ps.setString(3, series[s][1]);
                        ps.setObject(4, utc(at));
                        ps.setObject(5, utc(at + 60_000L));
                        ps.setArray(6, hist == null ? null : array(c, hist));
                        ps.setArray(7, hist == null || m % 5 == 0 ? null : array(c, PackedHistogram.index(hist)));
                        ps.addBatch();
                    }
                }
                ps.executeBatch();
            }
            try (Statement st = c.createStatement()) {
                // the rollups the job keeps, built here by SQL from the same minute rows
                st.execute("INSERT INTO metric_windows_1h SELECT * FROM vigil_rollup_rows('metric_windows', 'hour', "
                        + "'2026-04-01T00:00:00Z', '2026-04-04T00:00:00Z') WHERE service = 'tiles'");
                st.execute("INSERT INTO metric_windows_1d SELECT * FROM vigil_rollup_rows('metric_windows', 'day', "
                        + "'2026-04-01T00:00:00Z', '2026-04-04T00:00:00Z') WHERE service = 'tiles'");
                c.commit();
                String qs = "ARRAY" + Arrays.toString(QS) + "::float8[]";
                String[][] ranges = {
                        {"2026-04-01T20:00:00Z", "2026-04-03T22:00:00Z"},   // everything: hours, two days... one whole day
                        {"2026-04-01T20:17:00Z", "2026-04-03T21:43:00Z"},   // ragged minutes at both edges
                        {"2026-04-02T00:00:00Z", "2026-04-03T00:00:00Z"},   // exactly one day
                        {"2026-04-01T23:30:00Z", "2026-04-02T01:10:00Z"},   // across midnight, no whole day
                        {"2026-04-02T10:05:00Z", "2026-04-02T10:50:00Z"},   // inside one hour
                        {"2026-04-02T10:00:30Z", "2026-04-02T13:00:01Z"},   // seconds off the hours
                        {"2026-04-01T00:00:00Z", "2026-04-05T00:00:00Z"},   // wider than the data
                        {"2026-04-02T05:00:00Z", "2026-04-02T05:00:00Z"},   // empty
                };
                assertTiledEqualsMinuteRows(st, ranges, qs, "every rollup written");
                assertThat(rows(st, """
                        SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles_of('metric_windows_1d', '2026-04-02T00:00:00Z', '2026-04-04T00:00:00Z', %s,
                                                  'tiles', 'request', 'GET /a')""".formatted(qs)))
                        .as("a named series' daily rows (v12's cached plan) answer what its minute rows do")
                        .isEqualTo(rows(st, """
                        SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles_of('metric_windows', '2026-04-02T00:00:00Z', '2026-04-04T00:00:00Z', %s,
                                                  'tiles', NULL, NULL) WHERE name = 'GET /a'""".formatted(qs)))
                        .hasSize(1);

                // The job writes a period's row when event time passes its end: the last hours and a day not
                // rolled up yet are read from the finer rows.
                st.executeUpdate("DELETE FROM metric_windows_1h WHERE service = 'tiles' AND window_start >= '2026-04-02T22:00:00Z'");
                st.executeUpdate("DELETE FROM metric_windows_1d WHERE service = 'tiles' AND window_start >= '2026-04-02T00:00:00Z'");
                assertTiledEqualsMinuteRows(st, ranges, qs, "hours from 22:00 of the 2nd and days from the 2nd not rolled up");
                c.rollback();
                st.executeUpdate("DELETE FROM metric_windows_1d WHERE service = 'tiles' AND window_start = '2026-04-02T00:00:00Z'");
                assertTiledEqualsMinuteRows(st, ranges, qs, "the 2nd not rolled up as a day");
                st.executeUpdate("DELETE FROM metric_windows_1h WHERE service = 'tiles'");
                assertTiledEqualsMinuteRows(st, ranges, qs, "no hourly rows");
                c.rollback();
                assertThat(rows(st, "SELECT service || '/' || name, quantiles::text FROM latency_quantiles("
                        + "'2026-04-01T21:00:00Z', '2026-04-03T21:00:00Z', ARRAY[0.95], 'tiles')"))
                        .as("type defaults to request").containsOnlyKeys("tiles/GET /a", "tiles/*");

                Map<String, String> before = rows(st, """
                        SELECT name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles('2026-04-01T23:00:00Z', '2026-04-03T01:00:00Z', %s, 'tiles')""".formatted(qs));
                st.executeUpdate("DELETE FROM metric_windows WHERE service = 'tiles' "
                        + "AND window_start >= '2026-04-02T00:00:00Z' AND window_start < '2026-04-03T00:00:00Z'");
                assertThat(rows(st, """
                        SELECT name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles('2026-04-01T23:00:00Z', '2026-04-03T01:00:00Z', %s, 'tiles')""".formatted(qs)))
                        .as("the whole day is read from its daily rows").isEqualTo(before);
                c.rollback();
            }
        }
    }

    /** The series of {@link #quantilesFromTheCoarsestRowsEqualTheMinuteRows}: type and name, service {@code tiles}. */
    private static final String[][] TILES_SERIES = {{"request", "GET /a"}, {"request", "*"}, {"query", "SELECT a"}};

    /** For every range, latency_quantiles answers exactly what the minute rows alone answer. */
    private static void assertTiledEqualsMinuteRows(Statement st, String[][] ranges, String qs, String situation) throws SQLException {
        for (String[] r : ranges) {
            String from = "'" + r[0] + "'";
            String to = "'" + r[1] + "'";
            Map<String, String> minuteRows = rows(st, """
                    SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                    FROM latency_quantiles_of('metric_windows', %s, %s, %s, 'tiles', NULL, NULL)""".formatted(from, to, qs));
            Map<String, String> tiled = rows(st, """
                    SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                    FROM latency_quantiles(%s, %s, %s, 'tiles', NULL, NULL)""".formatted(from, to, qs));
            assertThat(tiled).as("%s to %s, %s", r[0], r[1], situation).isEqualTo(minuteRows);
            if (!r[0].equals(r[1])) {
                assertThat(tiled).as("%s to %s, %s", r[0], r[1], situation).isNotEmpty();
            }
            // A named series runs the statements whose plans the session keeps (v12): the same answers,
            // through custom plans for the first calls and the cached generic plan after them.
            for (String[] series : TILES_SERIES) {
                String key = "tiles/" + series[0] + "/" + series[1];
                Map<String, String> expected = minuteRows.containsKey(key) ? Map.of(key, minuteRows.get(key)) : Map.of();
                String named = "'tiles', '%s', '%s'".formatted(series[0], series[1]);
                assertThat(rows(st, """
                        SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles_of('metric_windows', %s, %s, %s, %s)""".formatted(from, to, qs, named)))
                        .as("%s to %s, %s, minute rows of %s", r[0], r[1], situation, key).isEqualTo(expected);
                assertThat(rows(st, """
                        SELECT service || '/' || type || '/' || name, latency_count || ' ' || quantiles::text
                        FROM latency_quantiles(%s, %s, %s, %s)""".formatted(from, to, qs, named)))
                        .as("%s to %s, %s, tiles of %s", r[0], r[1], situation, key).isEqualTo(expected);
            }
        }
    }

    private static OffsetDateTime utc(long epochMs) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
    }

    @Test
    void saysWhatIsWrongWithTheArguments() throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeQuery("SELECT * FROM latency_quantiles_of('metric_windows', now() - interval '1 day', now(), ARRAY[1.5])"))
                    .hasMessageContaining("latency quantiles must be between 0 and 1, got 1.5");
            assertThatThrownBy(() -> st.executeQuery("SELECT * FROM latency_quantiles_of('metric_windows', now() - interval '1 day', now(), ARRAY[]::float8[])"))
                    .hasMessageContaining("give at least one quantile");
            assertThatThrownBy(() -> st.executeQuery("SELECT * FROM latency_quantiles_of('no_such_table', now(), now(), ARRAY[0.5])"))
                    .hasMessageContaining("no_such_table");
            assertThatThrownBy(() -> st.executeQuery("SELECT * FROM latency_quantiles(now() - interval '1 day', now(), ARRAY[-0.5])"))
                    .hasMessageContaining("latency quantiles must be between 0 and 1, got -0.5");
            assertThatThrownBy(() -> st.executeQuery("SELECT * FROM latency_quantiles(NULL, now(), ARRAY[0.5])"))
                    .hasMessageContaining("give the time range [from_ts, to_ts)");
        }
    }

    /** A histogram of {@code n} log-normal durations around {@code medianMs}, in the stored format. */
    private static long[] histogram(Random random, int n, double medianMs, double sigma) {
        PackedHistogram.Merger m = new PackedHistogram.Merger();
        for (int i = 0; i < n; i++) {
            long nanos = (long) (medianMs * 1e6 * Math.exp(sigma * random.nextGaussian()));
            m.addBucket(PackedHistogram.bucketIndex(Math.max(1, nanos)), 1);
        }
        return m.toPacked();
    }

    private static Array array(Connection c, long[] values) throws SQLException {
        return c.createArrayOf("bigint", Arrays.stream(values).boxed().toArray());
    }

    private static long[] longs(Array a) throws SQLException {
        return a == null ? null : Arrays.stream((Long[]) a.getArray()).mapToLong(Long::longValue).toArray();
    }

    private static Map<String, String> rows(Statement st, String sql) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }
}
