package dev.vigil.bench.sql;

import dev.vigil.aggregation.PeriodRollups;
import dev.vigil.aggregation.SeriesKey;
import dev.vigil.aggregation.SeriesWindow;
import dev.vigil.aggregation.ToMetricWindow;
import dev.vigil.aggregation.WindowAccumulator;
import dev.vigil.events.MetricEvent;
import dev.vigil.model.MetricWindow;
import dev.vigil.sinks.postgres.MetricWindowsCopyFormat;
import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.sinks.postgres.WindowTable;
import dev.vigil.stack.EmbeddedStack;
import org.postgresql.PGConnection;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import dev.vigil.sinks.postgres.PostgresUrl;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import dev.vigil.dashboard.DashboardServer;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code vigil bench sql}: what SQL analysts wait for, on the embedded PostgreSQL.
 *
 * <p>Fills a fresh database the way the job would: one UTC day of a fleet ({@code services} services ×
 * {@code names} routes, each with about {@code eventsPerMinute} requests a minute, log-normal latencies
 * whose medians differ by route) in minute rows, with their service rollups ({@code '*'}) and hourly and
 * daily rollups; and 30 days of one more series. Rows are built by the job's own accumulators
 * ({@link WindowAccumulator}, {@link ToMetricWindow}) and written with the sink's COPY format, so they
 * are the rows a run would write. Then times each query (median of {@code repeats} after one warm-up)
 * and measures what a minute row costs on disk.
 */
public final class SqlBench {

    static final long MINUTE = 60_000L;
    static final long HOUR = PeriodRollups.HOUR_MS;
    static final long DAY = PeriodRollups.DAY_MS;
    static final String LONG_SERVICE = "longrun";
    static final String LONG_NAME = "GET /orders/{id}";

    /**
     * @param services        services of the fleet
     * @param names           routes per service (series = services × names)
     * @param eventsPerMinute mean requests per series and minute
     * @param repeats         timed runs of each query
     * @param keep            leave PostgreSQL running afterwards (until Ctrl-C) and print its URL
     */
    public record Settings(int services, int names, int eventsPerMinute, int repeats, boolean keep) {
        public Settings(int services, int names, int eventsPerMinute, int repeats) {
            this(services, names, eventsPerMinute, repeats, false);
        }

        public Settings {
            if (services < 1 || names < 1 || eventsPerMinute < 1 || repeats < 1) {
                throw new IllegalArgumentException("every setting must be >= 1");
            }
        }
    }

    /** What one run measured; times in milliseconds. */
    public record Report(double series30dFromHoursMs, double fleetDayServicesMs, double seriesDayFromMinutesMs,
                         double seriesDayThreeQuantilesMs, double series30dFromMinutesMs, double series30dFromDaysMs,
                         double fleetDayFromHoursMs, double minuteRowBytes,
                         double minuteRowHeapBytes, double minuteRowIndexBytes, double histBytes, double bucketsPerRow,
                         long minuteRows, double serveStartMs, double serveServicesDayMs, double serveServices24hMs,
                         double serveServices24hFirstMs, double series30dFromHoursIndexedMs,
                         double seriesDayFromMinutesIndexedMs, double seriesDayThreeQuantilesIndexedMs,
                         double fleetDayFromHoursIndexedMs, double series30dTiledMs, double fleetDayTiledMs,
                         double seriesDayTiledMs, double series30dRaggedTiledMs, double hourRowBytes,
                         double hourSubIndexBytes) {
    }

    private SqlBench() {
    }

    public static Report run(Settings s, PrintStream out) throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.builder().start()) {
            String db = stack.postgres().createDatabase("bench_sql");
            SchemaMigrator.migrate(db);
            long day = LocalDate.now(ZoneOffset.UTC).minusDays(2).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            long longFrom = day - 29 * DAY;
            // Answers are compared as text: without binary transfer, a statement pgjdbc prepares on the server
            // after its fifth run (the warm-up's sixth) still returns arrays as PostgreSQL writes them.
            try (Connection c = DriverManager.getConnection(db + (db.contains("?") ? "&" : "?") + "binaryTransfer=false")) {
                long started = System.nanoTime();
                partitions(c, longFrom, day + DAY);
                long rows = fillFleetDay(c, s, day) + fillOneSeries(c, s, longFrom, 30);
                out.printf("filled %d rows (%d series x 1,440 minutes + rollups, and 30 days of one series) in %.0f s%n",
                        rows, (long) s.services() * s.names(), (System.nanoTime() - started) / 1e9);
                // A bulk load leaves every page without hint bits or visibility-map bits, and autovacuum then
                // works through the 3 M new rows during the measurements: the dashboard's asks raced it (24
                // hours a minute later: 1.9 s instead of 0.11 s). Done now, as after any bulk load.
                long vacuumStarted = System.nanoTime();
                try (Statement st = c.createStatement()) {
                    st.execute("VACUUM (ANALYZE)");
                }
                out.printf("vacuumed and analysed in %.0f s%n", (System.nanoTime() - vacuumStarted) / 1e9);

                String oneSeries = " WHERE service = ? AND type = 'request' AND name = ? AND window_start >= ? AND window_start < ?";
                String p95 = "SELECT latency_quantile(latency_hist, 0.95) FROM ";
                String threeQ = "SELECT latency_hist_quantiles(latency_merge(latency_hist), ARRAY[0.5, 0.95, 0.99]) FROM ";
                String fleet = "SELECT service, latency_hist_quantiles(latency_merge(latency_hist), ARRAY[0.5, 0.95, 0.99]) "
                        + "FROM %s WHERE type = 'request' AND name = '*' AND window_start >= ? AND window_start < ? "
                        + "GROUP BY service ORDER BY service";
                // The same questions through latency_hist_index (schema v9): two passes, a fraction of the buckets.
                String indexed = "SELECT %s FROM latency_quantiles_of('%s', ?, ?, ARRAY[%s], ?, 'request', ?)";
                String indexedFleet = "SELECT service, quantiles FROM latency_quantiles_of('%s', ?, ?, ARRAY[0.5, 0.95, 0.99], NULL, 'request', '*')";

                Timed q1 = time(c, s.repeats(), p95 + "metric_windows_1h" + oneSeries, LONG_SERVICE, LONG_NAME, longFrom, day + DAY);
                out.printf("p95 of one series over 30 days from metric_windows_1h (720 rows):            %9.1f ms (goal < 50)%n", q1.ms());
                Timed i1 = time(c, s.repeats(), indexed.formatted("quantiles[1]", "metric_windows_1h", "0.95"), longFrom, day + DAY,
                        LONG_SERVICE, LONG_NAME);
                out.printf("  the same through latency_quantiles_of:                                      %9.1f ms%s%n", i1.ms(), same(q1, i1));
                Timed q1d = time(c, s.repeats(), p95 + "metric_windows_1d" + oneSeries, LONG_SERVICE, LONG_NAME, longFrom, day + DAY);
                out.printf("  the same from metric_windows_1d (30 rows):                                  %9.1f ms%s%n", q1d.ms(),
                        same(q1, q1d));
                Timed q2 = time(c, s.repeats(), fleet.formatted("metric_windows"), day, day + DAY);
                out.printf("p50/p95/p99 of every service over one day of %d series' minute rows:       %9.1f ms (goal < 2000)%n",
                        (long) s.services() * s.names(), q2.ms());
                Timed q2h = time(c, s.repeats(), fleet.formatted("metric_windows_1h"), day, day + DAY);
                out.printf("  the same from metric_windows_1h:                                            %9.1f ms%s%n", q2h.ms(),
                        same(q2, q2h));
                Timed i2h = time(c, s.repeats(), indexedFleet.formatted("metric_windows_1h"), day, day + DAY);
                out.printf("  the same from metric_windows_1h through latency_quantiles_of:               %9.1f ms%s%n", i2h.ms(),
                        same(q2, i2h));
                Timed q3 = time(c, s.repeats(), p95 + "metric_windows" + oneSeries, "svc-000", "GET /r00", day, day + DAY);
                out.printf("p95 of one series over one day from metric_windows (1,440 rows):            %9.1f ms (goal < 20)%n", q3.ms());
                Timed i3 = time(c, s.repeats(), indexed.formatted("quantiles[1]", "metric_windows", "0.95"), day, day + DAY,
                        "svc-000", "GET /r00");
                out.printf("  the same through latency_quantiles_of:                                      %9.1f ms%s%n", i3.ms(), same(q3, i3));
                Timed q3b = time(c, s.repeats(), threeQ + "metric_windows" + oneSeries, "svc-000", "GET /r00", day, day + DAY);
                out.printf("  p50/p95/p99 of the same in one pass:                                        %9.1f ms%n", q3b.ms());
                Timed i3b = time(c, s.repeats(), indexed.formatted("quantiles", "metric_windows", "0.5, 0.95, 0.99"), day, day + DAY,
                        "svc-000", "GET /r00");
                out.printf("  p50/p95/p99 of the same through latency_quantiles_of:                       %9.1f ms%s%n", i3b.ms(), same(q3b, i3b));
                Timed q4 = time(c, s.repeats(), p95 + "metric_windows" + oneSeries, LONG_SERVICE, LONG_NAME, longFrom, day + DAY);
                out.printf("p95 of one series over 30 days from metric_windows (43,200 rows):           %9.1f ms%s%n", q4.ms(),
                        same(q1, q4));

                // The same questions through latency_quantiles (schema v10): whole days from the daily rows, whole
                // hours from the hourly rows, the edges from minute rows; the answer the minute rows give.
                String tiledP95 = "SELECT quantiles[1] FROM latency_quantiles(?, ?, ARRAY[0.95], ?, 'request', ?)";
                Timed t1 = time(c, s.repeats(), tiledP95, longFrom, day + DAY, LONG_SERVICE, LONG_NAME);
                out.printf("p95 of one series over 30 days through latency_quantiles (30 daily rows):   %9.1f ms%s%n", t1.ms(), same(q1, t1));
                long raggedFrom = longFrom + 17 * MINUTE;
                long raggedTo = day + DAY - 43 * MINUTE;
                Timed q1r = time(c, s.repeats(), p95 + "metric_windows" + oneSeries, LONG_SERVICE, LONG_NAME, raggedFrom, raggedTo);
                Timed t1r = time(c, s.repeats(), tiledP95, raggedFrom, raggedTo, LONG_SERVICE, LONG_NAME);
                out.printf("  00:17 of the first day to 23:17 of the last (60 minute, 46 hourly, 28 daily rows): %5.1f ms%s%n", t1r.ms(),
                        same(q1r, t1r));
                Timed t2 = time(c, s.repeats(), "SELECT service, quantiles FROM latency_quantiles(?, ?, ARRAY[0.5, 0.95, 0.99], NULL, 'request', '*')",
                        day, day + DAY);
                out.printf("p50/p95/p99 of every service over the day through latency_quantiles:         %9.1f ms%s%n", t2.ms(), same(q2, t2));
                Timed t3 = time(c, s.repeats(), tiledP95, day, day + DAY, "svc-000", "GET /r00");
                out.printf("p95 of one series over the day through latency_quantiles:                    %9.1f ms%s%n", t3.ms(), same(q3, t3));

                Map<String, Double> size = minuteRowSize(c, day);
                out.printf("a minute row: %.0f bytes with its indexes (heap %.0f, indexes %.0f); latency_hist %.0f bytes, "
                                + "%.1f buckets; %d rows in the day's partition%n", size.get("total"), size.get("heap"),
                        size.get("index"), size.get("hist"), size.get("buckets"), size.get("rows").longValue());
                double[] hourRow = hourRowSize(c);
                out.printf("an hourly row of the 30-day series: %.0f bytes in the heap, of which its sub-index %.0f%n", hourRow[0], hourRow[1]);
                double[] serve = serve(db, s, day);
                out.printf("vigil serve: started in %.0f ms; /api/services over the UTC day of %d series: %9.1f ms (goal < 500)%n",
                        serve[0], (long) s.services() * s.names(), serve[1]);
                out.printf("  /api/services over 24 hours from 00:30 (23 hourly rows per service + edges):  %9.1f ms the first time%n", serve[3]);
                out.printf("  then each a minute later (the server reads only the rows it has not read):     %9.1f ms (goal < 500)%n", serve[2]);
                Report r = new Report(q1.ms(), q2.ms(), q3.ms(), q3b.ms(), q4.ms(), q1d.ms(), q2h.ms(), size.get("total"),
                        size.get("heap"), size.get("index"), size.get("hist"), size.get("buckets"), size.get("rows").longValue(),
                        serve[0], serve[1], serve[2], serve[3], i1.ms(), i3.ms(), i3b.ms(), i2h.ms(), t1.ms(), t2.ms(), t3.ms(), t1r.ms(),
                        hourRow[0], hourRow[1]);
                out.printf("sql-bench series_30d_1h_p95_ms=%.1f fleet_day_p50_p95_p99_ms=%.1f series_day_1m_p95_ms=%.1f "
                                + "series_day_1m_3q_ms=%.1f series_30d_1m_p95_ms=%.1f series_30d_1d_p95_ms=%.1f "
                                + "fleet_day_1h_p50_p95_p99_ms=%.1f minute_row_bytes=%.0f hist_bytes=%.0f buckets_per_row=%.1f "
                                + "serve_start_ms=%.0f serve_services_day_ms=%.1f serve_services_24h_ms=%.1f serve_services_24h_first_ms=%.1f "
                                + "series_30d_1h_p95_indexed_ms=%.1f series_day_1m_p95_indexed_ms=%.1f series_day_1m_3q_indexed_ms=%.1f "
                                + "fleet_day_1h_p50_p95_p99_indexed_ms=%.1f series_30d_tiled_p95_ms=%.1f fleet_day_tiled_p50_p95_p99_ms=%.1f "
                                + "series_day_tiled_p95_ms=%.1f series_30d_ragged_tiled_p95_ms=%.1f hour_row_bytes=%.0f "
                                + "hour_subindex_bytes=%.0f%n",
                        q1.ms(), q2.ms(), q3.ms(), q3b.ms(), q4.ms(), q1d.ms(), q2h.ms(), r.minuteRowBytes(), r.histBytes(),
                        r.bucketsPerRow(), r.serveStartMs(), r.serveServicesDayMs(), r.serveServices24hMs(), r.serveServices24hFirstMs(),
                        i1.ms(), i3.ms(), i3b.ms(), i2h.ms(), t1.ms(), t2.ms(), t3.ms(), t1r.ms(), r.hourRowBytes(), r.hourSubIndexBytes());
                if (s.keep()) {
                    out.println("postgres=" + db);
                    out.println("kept running for a look at the data; Ctrl-C stops it");
                    Thread.sleep(Long.MAX_VALUE);
                }
                return r;
            }
        }
    }

    private static void partitions(Connection c, long from, long to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM vigil_ensure_partitions(?, ?, ?)")) {
            for (String table : new String[] {"metric_windows", "metric_windows_1h", "metric_windows_1d"}) {
                ps.setString(1, table);
                ps.setObject(2, at(from));
                ps.setObject(3, at(to - 1));
                ps.execute();
            }
        }
    }

    /** One day of the fleet, minute by minute: routes, service rollups, hours and the day. */
    private static long fillFleetDay(Connection c, Settings s, long day) throws Exception {
        Random random = new Random(42);
        double[][] medians = new double[s.services()][s.names()];
        for (double[] row : medians) {
            for (int j = 0; j < row.length; j++) {
                row[j] = 3 * Math.pow(1.6, j % 10) * (0.5 + random.nextDouble()); // 2 ms to about 300 ms
            }
        }
        Copier copier = new Copier(c);
        Map<String, WindowAccumulator> hours = new HashMap<>();
        Map<String, WindowAccumulator> days = new HashMap<>();
        for (long minute = day; minute < day + DAY; minute += MINUTE) {
            for (int i = 0; i < s.services(); i++) {
                String service = String.format("svc-%03d", i);
                WindowAccumulator total = new WindowAccumulator();
                for (int j = 0; j < s.names(); j++) {
                    String name = String.format("GET /r%02d", j);
                    WindowAccumulator acc = minute(random, minute, service, name, medians[i][j], s.eventsPerMinute());
                    total.merge(acc);
                    copier.add(row(service, name, minute, MINUTE, acc));
                    roll(hours, days, service, name, minute, acc);
                }
                copier.add(row(service, MetricWindow.ROLLUP_NAME, minute, MINUTE, total));
                roll(hours, days, service, MetricWindow.ROLLUP_NAME, minute, total);
            }
            if ((minute + MINUTE) % HOUR == 0) {
                flush(copier, hours, HOUR);
            }
        }
        flush(copier, days, DAY);
        return copier.finish();
    }

    /** 30 days of one series: minute rows, hours, days. */
    private static long fillOneSeries(Connection c, Settings s, long from, int daysLong) throws Exception {
        Random random = new Random(7);
        Copier copier = new Copier(c);
        Map<String, WindowAccumulator> hours = new HashMap<>();
        Map<String, WindowAccumulator> days = new HashMap<>();
        for (long minute = from; minute < from + daysLong * DAY; minute += MINUTE) {
            WindowAccumulator acc = minute(random, minute, LONG_SERVICE, LONG_NAME, 40, s.eventsPerMinute());
            copier.add(row(LONG_SERVICE, LONG_NAME, minute, MINUTE, acc));
            roll(hours, days, LONG_SERVICE, LONG_NAME, minute, acc);
            if ((minute + MINUTE) % HOUR == 0) {
                flush(copier, hours, HOUR);
            }
            if ((minute + MINUTE) % DAY == 0) {
                flush(copier, days, DAY);
            }
        }
        return copier.finish();
    }

    private static WindowAccumulator minute(Random random, long minute, String service, String name, double medianMs,
                                            int eventsPerMinute) {
        WindowAccumulator acc = new WindowAccumulator();
        int n = Math.max(1, eventsPerMinute / 2 + random.nextInt(eventsPerMinute + 1));
        for (int k = 0; k < n; k++) {
            double ms = Math.exp(Math.log(medianMs) + 0.7 * random.nextGaussian());
            boolean error = random.nextDouble() < 0.01;
            acc.add(MetricEvent.request(minute + random.nextInt((int) MINUTE), service, name, null,
                    Math.round(ms * 1e6) / 1e6, error ? 500 : 200, "GET"));
        }
        return acc;
    }

    /** Merges a minute into its hour and day, keyed "service|name|start". */
    private static void roll(Map<String, WindowAccumulator> hours, Map<String, WindowAccumulator> days, String service,
                             String name, long minute, WindowAccumulator acc) {
        hours.computeIfAbsent(service + "|" + name + "|" + (minute - Math.floorMod(minute, HOUR)), k -> new WindowAccumulator()).merge(acc);
        days.computeIfAbsent(service + "|" + name + "|" + (minute - Math.floorMod(minute, DAY)), k -> new WindowAccumulator()).merge(acc);
    }

    private static void flush(Copier copier, Map<String, WindowAccumulator> periods, long length) throws Exception {
        for (Map.Entry<String, WindowAccumulator> e : periods.entrySet()) {
            String[] key = e.getKey().split("\\|");
            copier.add(row(key[0], key[1], Long.parseLong(key[2]), length, e.getValue()));
        }
        periods.clear();
    }

    private static MetricWindow row(String service, String name, long start, long length, WindowAccumulator acc) {
        return ToMetricWindow.toRow(new SeriesWindow(new SeriesKey("request", service, name), start, start + length, acc));
    }

    /** COPY into the table each row's length names, 20,000 rows at a time. */
    private static final class Copier {
        private final Connection c;
        private final Map<String, MetricWindowsCopyFormat> batches = new HashMap<>();
        private final Map<String, Integer> pending = new HashMap<>();
        private long written;

        Copier(Connection c) {
            this.c = c;
        }

        void add(MetricWindow row) throws Exception {
            String table = WindowTable.of(row).table();
            MetricWindowsCopyFormat batch = batches.computeIfAbsent(table, t -> new MetricWindowsCopyFormat());
            if (pending.getOrDefault(table, 0) == 0) {
                batch.start();
            }
            batch.append(row);
            if (pending.merge(table, 1, Integer::sum) >= 20_000) {
                copy(table);
            }
        }

        private void copy(String table) throws Exception {
            if (pending.getOrDefault(table, 0) == 0) {
                return;
            }
            MetricWindowsCopyFormat batch = batches.get(table);
            batch.finish();
            written += c.unwrap(PGConnection.class).getCopyAPI().copyIn(MetricWindowsCopyFormat.copyInto(table), batch.stream());
            pending.put(table, 0);
        }

        long finish() throws Exception {
            for (String table : new ArrayList<>(batches.keySet())) {
                copy(table);
            }
            return written;
        }
    }

    /** A query's median time and its answer (every row, as text). */
    record Timed(double ms, List<String> answer) {
    }

    /** Whether two queries answered the same, in words for the report. */
    /**
     * Starts vigil serve's server on the filled database and asks /api/services for the fleet's day, as
     * the dashboard's overview does: {start ms, median ms for the UTC day, median ms for 24 hours that
     * are not a UTC day each a minute later than the one before, ms of the first of those 24 hours}.
     */
    private static double[] serve(String db, Settings s, long day) throws Exception {
        long t0 = System.nanoTime();
        try (DashboardServer server = DashboardServer.builder().postgres(PostgresUrl.parse(db)).port(0).build().start()) {
            double startMs = (System.nanoTime() - t0) / 1e6;
            HttpClient http = HttpClient.newHttpClient();
            double utcDay = medianMs(http, s.repeats(), URI.create(server.url() + "api/services?from="
                    + Instant.ofEpochMilli(day) + "&to=" + Instant.ofEpochMilli(day + DAY)));
            // The 24 hours from half past midnight: 23 whole hours, two half hours of minute rows, no whole day.
            // The first ask reads every row (the server keeps the services' rows it read); then, as a
            // dashboard refreshing its "last 24 hours", each ask is one minute later than the one before.
            long half = DAY / 48;
            long t1 = System.nanoTime();
            askServices(http, URI.create(server.url() + "api/services?from="
                    + Instant.ofEpochMilli(day + half) + "&to=" + Instant.ofEpochMilli(day + DAY + half)));
            double cold = (System.nanoTime() - t1) / 1e6;
            double[] ms = new double[s.repeats()];
            for (int i = 0; i < ms.length; i++) {
                long shift = half + (i + 1) * 60_000L;
                long t2 = System.nanoTime();
                askServices(http, URI.create(server.url() + "api/services?from="
                        + Instant.ofEpochMilli(day + shift) + "&to=" + Instant.ofEpochMilli(day + DAY + shift)));
                ms[i] = (System.nanoTime() - t2) / 1e6;
            }
            Arrays.sort(ms);
            double rolling = ms[ms.length / 2];
            return new double[] {startMs, utcDay, rolling, cold};
        }
    }

    /** Median milliseconds of a GET after one warm-up. */
    private static double medianMs(HttpClient http, int repeats, URI uri) throws Exception {
        double[] ms = new double[repeats];
        for (int i = -1; i < repeats; i++) {
            long t1 = System.nanoTime();
            askServices(http, uri);
            if (i >= 0) {
                ms[i] = (System.nanoTime() - t1) / 1e6;
            }
        }
        Arrays.sort(ms);
        return ms[repeats / 2];
    }

    /** A GET of /api/services; it must answer 200 with the fleet's first service. */
    private static void askServices(HttpClient http, URI uri) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || !response.body().contains("\"service\":\"svc-000\"")) {
            throw new IllegalStateException(uri + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static String same(Timed a, Timed b) {
        if (!a.answer().equals(b.answer())) {
            throw new IllegalStateException("two forms of one question answered differently: " + a.answer() + " vs " + b.answer());
        }
        return " (the same answer)";
    }

    /**
     * Median milliseconds of {@code repeats} runs after a warm-up, on one connection, as a connection pool's
     * session asks a question it has asked before. The warm-up is six runs, or one for a question that takes
     * seconds: PostgreSQL plans a PL/pgSQL function's statement for each call's arguments five times, then
     * weighs a generic plan it keeps for the session (schema v12's named-series forms), so the sixth call on
     * is the steady state; one run already warms the caches of a question slow enough that planning is noise.
     */
    private static Timed time(Connection c, int repeats, String sql, Object... params) throws SQLException {
        double[] ms = new double[repeats];
        List<String> answer = new ArrayList<>();
        long warmUpStarted = System.nanoTime();
        int warmUps = 0;
        do {
            run(c, sql, params, answer);
            warmUps++;
        } while (warmUps < 6 && System.nanoTime() - warmUpStarted < 2_000_000_000L);
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            run(c, sql, params, answer);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        if (answer.isEmpty() || answer.get(0).equals("null")) {
            throw new IllegalStateException("no answer from " + sql);
        }
        Arrays.sort(ms);
        return new Timed(ms[repeats / 2], List.copyOf(answer));
    }

    /** Runs {@code sql} once and puts its rows, each as one string, in {@code answer}. */
    private static void run(Connection c, String sql, Object[] params, List<String> answer) throws SQLException {
        answer.clear();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int p = 0; p < params.length; p++) {
                ps.setObject(p + 1, params[p] instanceof Long l ? at(l) : params[p]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int k = 1; k <= columns; k++) {
                        row.append(rs.getString(k)).append(k < columns ? " " : "");
                    }
                    answer.add(row.toString());
                }
            }
        }
    }

    /** An hourly row of the 30-day series as stored in the heap, and its sub-index's share (schema v13). */
    private static double[] hourRowSize(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT avg(pg_column_size(t.*))::float8, "
                + "avg(coalesce(pg_column_size(latency_hist_subindex), 0))::float8 FROM metric_windows_1h t "
                + "WHERE service = ? AND type = 'request' AND name = ?")) {
            ps.setString(1, LONG_SERVICE);
            ps.setString(2, LONG_NAME);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new double[] {rs.getDouble(1), rs.getDouble(2)};
            }
        }
    }

    /** Bytes per row of the fleet day's minute partition: heap (with TOAST) and indexes. */
    private static Map<String, Double> minuteRowSize(Connection c, long day) throws SQLException {
        String partition;
        try (PreparedStatement ps = c.prepareStatement("SELECT partition_name FROM vigil_partition_of('metric_windows', ?)")) {
            ps.setObject(1, at(day));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                partition = rs.getString(1);
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*)::float8 AS rows, pg_table_size('" + partition + "')::float8 AS heap, "
                        + "pg_indexes_size('" + partition + "')::float8 AS index, avg(pg_column_size(latency_hist)) AS hist, "
                        + "avg(cardinality(latency_hist)) AS buckets FROM " + partition)) {
            rs.next();
            double rows = rs.getDouble("rows");
            Map<String, Double> m = new HashMap<>();
            m.put("rows", rows);
            m.put("heap", rs.getDouble("heap") / rows);
            m.put("index", rs.getDouble("index") / rows);
            m.put("total", (rs.getDouble("heap") + rs.getDouble("index")) / rows);
            m.put("hist", rs.getDouble("hist"));
            m.put("buckets", rs.getDouble("buckets"));
            return m;
        }
    }

    private static OffsetDateTime at(long epochMs) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
    }
}
