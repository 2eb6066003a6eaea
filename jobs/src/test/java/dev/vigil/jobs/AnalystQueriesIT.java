package dev.vigil.jobs;

import dev.vigil.aggregation.LatencyHistogram;
import dev.vigil.alerting.SlaRule;
import dev.vigil.alerting.SlaRules;
import dev.vigil.model.MetricWindow;
import dev.vigil.sinks.postgres.MetricWindowsTable;
import dev.vigil.events.EventType;
import dev.vigil.events.MetricEvent;
import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import dev.vigil.stack.TopicSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Runs every SQL block of docs/sql.md, verbatim, after a real run over events from the last hour, and
 * checks each result against values computed from the events themselves.
 */
@ExtendWith(EmbeddedStackExtension.class)
class AnalystQueriesIT {

    static final long WINDOW_MS = 60_000;
    static List<MetricEvent> events;
    static String db;
    static List<String> queries;

    @BeforeAll
    static void run(EmbeddedStack stack) throws Exception {
        queries = sqlBlocks(Path.of("..", "docs", "sql.md"));
        assertThat(queries).hasSize(11);

        // 40 minutes of traffic ending 5 minutes ago, minute windows, a slow route that breaks the SLA.
        long end = Instant.now().minus(5, ChronoUnit.MINUTES).toEpochMilli();
        long start = end - Duration.ofMinutes(40).toMillis();
        events = new ArrayList<>(Workload.generate(21, 30_000, start, end - start));
        Random r = new Random(5);
        for (long t = start; t < end; t += 500) {
            boolean incident = (t - start) / WINDOW_MS % 10 == 3; // one minute in ten
            double ms = incident ? 400 + r.nextDouble() * 600 : 50 + r.nextDouble() * 100;
            events.add(MetricEvent.request(t, "checkout", "GET /slow", null, Math.round(ms * 1000) / 1000.0, 200, "GET"));
        }

        events.sort(java.util.Comparator.comparingLong(MetricEvent::ts)); // produced in event-time order: nothing late
        stack.kafka().createTopics(List.of(new TopicSpec("sql.events", 2), new TopicSpec("sql.events.dlq", 1)));
        KafkaTestSupport.produceEvents(stack.kafkaBootstrapServers(), "sql.events", events);
        db = stack.postgres().createDatabase("analyst_queries");
        SchemaMigrator.migrate(db);
        RuleCatalog.publish(dev.vigil.sinks.postgres.PostgresUrl.parse(db), SlaRules.defaults()); // as vigil run does
        LocalRunner.run(PipelineConfig.builder()
                .kafka(stack.kafkaBootstrapServers())
                .eventsTopic("sql.events")
                .deadLetterTopic("sql.events.dlq")
                .groupId("sql-it")
                .postgres(db)
                .bounded(true)
                .window(Duration.ofMillis(WINDOW_MS))
                .checkpointInterval(Duration.ofSeconds(5))
                .parallelism(2)
                .build());
    }

    @Test
    void p95OfEveryServiceOverTheLastDay() throws Exception {
        List<Map<String, Object>> rows = query(0);
        Map<String, List<MetricEvent>> byService = group(EventType.REQUEST, e -> e.service());
        assertThat(rows).hasSize(byService.size());
        for (Map<String, Object> row : rows) {
            List<MetricEvent> own = byService.get((String) row.get("service"));
            assertThat((Long) ((Number) row.get("requests")).longValue()).isEqualTo(own.size());
            double exact = exactQuantile(own, 0.95);
            assertThat((Double) row.get("p95_ms")).isCloseTo(exact, within(exact * 0.01));
        }
        assertThat(rows).isSortedAccordingTo((a, b) -> Double.compare((Double) b.get("p95_ms"), (Double) a.get("p95_ms")));
    }

    @Test
    void slowestEndpointsOfOneService() throws Exception {
        List<Map<String, Object>> rows = query(1);
        Map<String, List<MetricEvent>> byRoute = group(EventType.REQUEST, e -> e.service().equals("checkout") ? e.name() : null);
        assertThat(rows).hasSize(byRoute.size());
        String slowestExact = byRoute.entrySet().stream()
                .max(java.util.Comparator.comparingDouble(e -> exactQuantile(e.getValue(), 0.99))).orElseThrow().getKey();
        assertThat(rows.get(0).get("route")).isEqualTo(slowestExact);
        for (Map<String, Object> row : rows) {
            List<MetricEvent> own = byRoute.get((String) row.get("route"));
            for (String column : new String[] {"p50_ms", "p99_ms"}) {
                double exact = exactQuantile(own, column.equals("p50_ms") ? 0.50 : 0.99);
                assertThat((Double) row.get(column)).as(row.get("route") + " " + column).isCloseTo(exact, within(exact * 0.01));
            }
        }
    }

    @Test
    void errorRatePerServiceHourByHour() throws Exception {
        List<Map<String, Object>> rows = query(2);
        Map<String, long[]> expected = new TreeMap<>();
        for (MetricEvent e : events) {
            if (e.type() == EventType.REQUEST) {
                long hour = e.ts() - Math.floorMod(e.ts(), 3_600_000L);
                long[] c = expected.computeIfAbsent(hour + "/" + e.service(), k -> new long[2]);
                c[0]++;
                c[1] += e.error() ? 1 : 0;
            }
        }
        assertThat(rows).hasSize(expected.size());
        for (Map<String, Object> row : rows) {
            long hour = ((java.sql.Timestamp) row.get("hour")).getTime();
            long[] c = expected.get(hour + "/" + row.get("service"));
            assertThat(((Number) row.get("requests")).longValue()).isEqualTo(c[0]);
            assertThat((Double) row.get("error_rate")).isEqualTo((double) c[1] / c[0]);
        }
    }

    @Test
    void hitRateOfEveryCache() throws Exception {
        List<Map<String, Object>> rows = query(3);
        Map<String, List<MetricEvent>> byCache = group(EventType.CACHE, e -> e.service() + "/" + e.name());
        assertThat(rows).hasSize(byCache.size());
        for (Map<String, Object> row : rows) {
            List<MetricEvent> own = byCache.get(row.get("service") + "/" + row.get("cache"));
            long hits = own.stream().filter(MetricEvent::hit).count();
            assertThat(((Number) row.get("lookups")).longValue()).isEqualTo(own.size());
            assertThat((Double) row.get("hit_rate")).isEqualTo((double) hits / own.size());
        }
    }

    @Test
    void windowsThatBrokeTheSla() throws Exception {
        List<Map<String, Object>> rows = query(4);
        Map<String, List<MetricEvent>> byWindow = group(EventType.REQUEST,
                e -> e.service() + "|" + e.name() + "|" + (e.ts() - Math.floorMod(e.ts(), WINDOW_MS)));
        long breaches = byWindow.values().stream().filter(own -> exactQuantile(own, 0.95) > 500 * 1.01).count();
        long borderline = byWindow.values().stream().filter(own -> exactQuantile(own, 0.95) > 500 / 1.01).count();
        assertThat((long) rows.size()).isBetween(breaches, borderline);
        assertThat(rows).isNotEmpty().allSatisfy(row -> {
            long windowStart = ((java.sql.Timestamp) row.get("window_start")).getTime();
            List<MetricEvent> own = byWindow.get(row.get("service") + "|" + row.get("route") + "|" + windowStart);
            assertThat(exactQuantile(own, 0.95)).as("exact p95 of %s", row).isGreaterThan(500 / 1.01);
            assertThat((Double) row.get("p95_ms")).isGreaterThan(500);
        });
        assertThat(rows).extracting(row -> row.get("route")).contains("GET /slow");
    }

    @Test
    void severalQuantilesOfEveryServiceFromTheHourlyRows() throws Exception {
        List<Map<String, Object>> rows = query(5);
        List<Map<String, Object>> fromMinutes = query(queries.get(5).replace("metric_windows_1h", "metric_windows"));
        assertThat(rows).as("the hourly rows answer as the minute rows do").isEqualTo(fromMinutes);
        Map<String, List<MetricEvent>> byService = group(EventType.REQUEST, e -> e.service());
        assertThat(rows).hasSize(byService.size());
        for (Map<String, Object> row : rows) {
            List<MetricEvent> own = byService.get((String) row.get("service"));
            assertThat(((Number) row.get("requests")).longValue()).isEqualTo(own.size());
            for (String column : new String[] {"p50_ms", "p95_ms", "p99_ms"}) {
                double q = column.equals("p50_ms") ? 0.50 : column.equals("p95_ms") ? 0.95 : 0.99;
                double exact = exactQuantile(own, q);
                assertThat((Double) row.get(column)).as(row.get("service") + " " + column).isCloseTo(exact, within(exact * 0.01));
            }
        }
    }

    @Test
    void oneServicePerUtcDayFromTheDailyRows() throws Exception {
        List<Map<String, Object>> rows = query(6);
        Map<String, List<MetricEvent>> byDay = group(EventType.REQUEST, e -> e.service().equals("checkout")
                ? Instant.ofEpochMilli(e.ts()).atOffset(java.time.ZoneOffset.UTC).toLocalDate().toString() : null);
        assertThat(rows).extracting(row -> row.get("day").toString()).containsExactlyElementsOf(new TreeMap<>(byDay).keySet());
        for (Map<String, Object> row : rows) {
            List<MetricEvent> own = byDay.get(row.get("day").toString());
            assertThat(((Number) row.get("requests")).longValue()).isEqualTo(own.size());
            assertThat(((Number) row.get("errors")).longValue()).isEqualTo(own.stream().filter(MetricEvent::error).count());
            double exact = exactQuantile(own, 0.99);
            assertThat((Double) row.get("p99_ms")).isCloseTo(exact, within(exact * 0.01));
        }
    }

    /** The same judgement the job makes, computed here from the rows and the default rules. */
    @Test
    void slaComplianceCountsWhatTheRulesJudgeAndTheAlertsSay() throws Exception {
        double queriedAfter = System.currentTimeMillis() / 1000.0;
        List<Map<String, Object>> rows = query(7);
        double queriedBefore = System.currentTimeMillis() / 1000.0;
        Map<String, long[]> expected = new TreeMap<>();
        for (MetricWindow w : MetricWindowsTable.readAll(db)) {
            for (SlaRule rule : SlaRules.defaults().rules()) {
                double v = rule.valueOf(w);
                if (rule.appliesTo(w) && w.count() >= rule.minCount() && !Double.isNaN(v)) {
                    long[] c = expected.computeIfAbsent(rule.name() + "|" + w.service() + "|" + w.name(), k -> new long[2]);
                    c[0]++;
                    c[1] += rule.levelOf(v) != null ? 1 : 0;
                }
            }
        }
        Map<String, long[]> alerts = new TreeMap<>();
        Map<String, Double> firingSince = new HashMap<>(); // at the end of the run: firing until now
        try (Connection c = DriverManager.getConnection(db); ResultSet rs = c.createStatement().executeQuery(
                "SELECT rule, service, name, event, extract(epoch FROM window_start) AS at FROM alerts ORDER BY window_start")) {
            while (rs.next()) {
                String key = rs.getString("rule") + "|" + rs.getString("service") + "|" + rs.getString("name");
                long[] a = alerts.computeIfAbsent(key, k -> new long[2]);
                double at = rs.getDouble("at");
                switch (rs.getString("event")) {
                    case "firing" -> {
                        a[1]++;
                        firingSince.put(key, at);
                    }
                    case "resolved" -> a[0] += Math.round((at - firingSince.remove(key)) * 1000);
                    default -> { }
                }
            }
        }
        assertThat(alerts).as("the slow route broke its SLA").isNotEmpty();
        assertThat(expected).as("windows the default rules judge").hasSizeGreaterThan(10);
        Map<String, Map<String, Object>> byKey = new TreeMap<>();
        rows.forEach(row -> byKey.put(row.get("rule") + "|" + row.get("service") + "|" + row.get("name"), row));
        assertThat(byKey.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((key, c) -> {
            Map<String, Object> row = byKey.get(key);
            assertThat(((Number) row.get("windows_judged")).longValue()).as(key).isEqualTo(c[0]);
            assertThat(((Number) row.get("windows_breached")).longValue()).as(key).isEqualTo(c[1]);
            assertThat(((Number) row.get("compliance_pct")).doubleValue()).as(key)
                    .isCloseTo(100.0 * (c[0] - c[1]) / c[0], within(0.005));
            long[] a = alerts.getOrDefault(key, new long[2]);
            assertThat(((Number) row.get("incidents")).longValue()).as(key + " incidents").isEqualTo(a[1]);
            double seconds = ((Number) row.get("firing_seconds")).doubleValue();
            Double since = firingSince.get(key);
            if (since == null) {
                assertThat(seconds).as(key + " seconds firing").isCloseTo(a[0] / 1000.0, within(0.001));
            } else {
                assertThat(seconds).as(key + " seconds firing, the last episode until now")
                        .isBetween(a[0] / 1000.0 + queriedAfter - since - 0.001, a[0] / 1000.0 + queriedBefore - since + 0.001);
            }
        });
    }

    @Test
    void retentionOfRecentRowsDropsNothing() throws Exception {
        assertThat(query(8)).isEmpty();
        assertThat(MetricWindowsTable.count(db, "true")).isPositive();
    }

    @Test
    void quantilesOfEveryRouteOfOneServiceThroughTheIndex() throws Exception {
        List<Map<String, Object>> rows = query(9);
        Map<String, List<MetricEvent>> byRoute = group(EventType.REQUEST, e -> e.service().equals("checkout") ? e.name() : null);
        assertThat(rows).hasSize(byRoute.size());
        for (Map<String, Object> row : rows) {
            List<MetricEvent> own = byRoute.get((String) row.get("name"));
            assertThat(((Number) row.get("durations")).longValue()).isEqualTo(own.stream().filter(MetricEvent::hasDuration).count());
            for (String column : new String[] {"p95_ms", "p99_ms"}) {
                double exact = exactQuantile(own, column.equals("p95_ms") ? 0.95 : 0.99);
                assertThat((Double) row.get(column)).as(row.get("name") + " " + column).isCloseTo(exact, within(exact * 0.01));
            }
        }
        assertThat(rows).isSortedAccordingTo((a, b) -> Double.compare((Double) b.get("p99_ms"), (Double) a.get("p99_ms")));
    }

    @Test
    void quantilesOfEveryServiceFromTheCoarsestRows() throws Exception {
        List<Map<String, Object>> rows = query(10);
        Map<String, List<MetricEvent>> byService = group(EventType.REQUEST, MetricEvent::service);
        assertThat(rows).hasSize(byService.size());
        for (Map<String, Object> row : rows) {
            List<MetricEvent> own = byService.get((String) row.get("service"));
            assertThat(((Number) row.get("durations")).longValue()).isEqualTo(own.stream().filter(MetricEvent::hasDuration).count());
            for (String column : new String[] {"p50_ms", "p95_ms", "p99_ms"}) {
                double q = column.equals("p50_ms") ? 0.50 : column.equals("p95_ms") ? 0.95 : 0.99;
                double exact = exactQuantile(own, q);
                assertThat((Double) row.get(column)).as(row.get("service") + " " + column).isCloseTo(exact, within(exact * 0.01));
            }
        }
        assertThat(rows).isSortedAccordingTo((a, b) -> Double.compare((Double) b.get("p99_ms"), (Double) a.get("p99_ms")));
        // the same answer as the minute rows alone give
        assertThat(query(queries.get(10).replace("latency_quantiles(", "latency_quantiles_of('metric_windows', "))).isEqualTo(rows);
    }

    // ----------------------------------------------------------------------------------------------

    private static Map<String, List<MetricEvent>> group(EventType type, java.util.function.Function<MetricEvent, String> key) {
        Map<String, List<MetricEvent>> out = new HashMap<>();
        for (MetricEvent e : events) {
            String k = e.type() == type ? key.apply(e) : null;
            if (k != null) {
                out.computeIfAbsent(k, x -> new ArrayList<>()).add(e);
            }
        }
        return out;
    }

    private static double exactQuantile(List<MetricEvent> own, double q) {
        double[] sorted = own.stream().filter(MetricEvent::hasDuration).mapToDouble(MetricEvent::durationMs).sorted().toArray();
        return sorted[(int) LatencyHistogram.nearestRank(q, sorted.length) - 1];
    }

    private static List<Map<String, Object>> query(int index) throws SQLException {
        return query(queries.get(index));
    }

    private static List<Map<String, Object>> query(String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db); ResultSet rs = c.createStatement().executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static List<String> sqlBlocks(Path markdown) throws IOException {
        Matcher m = Pattern.compile("```sql\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(markdown));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1).trim().replaceAll(";$", ""));
        }
        return blocks;
    }
}
