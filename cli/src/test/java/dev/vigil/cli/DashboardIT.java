package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.alerting.SlaRules;
import dev.vigil.dashboard.DashboardServer;
import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;
import dev.vigil.events.CacheLevel;
import dev.vigil.jobs.LocalRunner;
import dev.vigil.jobs.PipelineConfig;
import dev.vigil.jobs.RuleCatalog;
import dev.vigil.model.AlertEvent;
import dev.vigil.sinks.postgres.PostgresUrl;
import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.sinks.redis.AlertChannels;
import dev.vigil.sinks.redis.RedisUrl;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.stack.TopicSpec;
import dev.vigil.testing.EmbeddedStackExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import redis.clients.jedis.JedisPooled;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * vigil serve over the rows of a real run: 40 minutes of four services through Kafka, the job (default
 * rules) into PostgreSQL and Redis. The API's numbers are checked against SQL over the job's own rows and
 * against the events; every kind of bad input gets its status; a real headless Chromium shows the page,
 * sees an alert arrive live, and saves the README's screenshot.
 */
@ExtendWith(EmbeddedStackExtension.class)
class DashboardIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final long WINDOW_MS = 60_000;

    static EmbeddedStack stack;
    static String db;
    static List<MetricEvent> events;
    static Instant from;
    static Instant to;
    static DashboardServer server;

    /**
     * The default SLA rules, and an SLO whose one tier cannot hold (a 99.5% objective burns at most 200),
     * so it reports burn rates and budget but changes no alert the tests expect.
     */
    static final SlaRules RULES = SlaRules.defaults().with(SlaRules.parse("""
            slos:
              - name: shop-availability
                type: request
                services: ["shop"]
                indicator: availability
                objective: 0.995
                period: 1d
                tiers:
                  - {severity: critical, long: 1h, short: 5m, factor: 1000}
            """, "dashboard-it slos").slos(), List.of());

    @BeforeAll
    static void realRun(EmbeddedStack shared) throws Exception {
        stack = shared;
        long end = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(2, ChronoUnit.MINUTES).toEpochMilli();
        long start = end - Duration.ofMinutes(40).toMillis();
        from = Instant.ofEpochMilli(start);
        to = Instant.ofEpochMilli(end);
        events = traffic(start, end);
        stack.kafka().createTopics(List.of(new TopicSpec("dash.events", 2), new TopicSpec("dash.events.dlq", 1)));
        EventCodec codec = new EventCodec();
        try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", stack.kafkaBootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (MetricEvent e : events) {
                producer.send(new ProducerRecord<>("dash.events", e.service().getBytes(StandardCharsets.UTF_8), codec.encode(e)));
            }
        }
        db = stack.postgres().createDatabase("dashboard");
        SchemaMigrator.migrate(db);
        RuleCatalog.publish(PostgresUrl.parse(db), SlaRules.defaults());
        LocalRunner.run(PipelineConfig.builder()
                .kafka(stack.kafkaBootstrapServers())
                .eventsTopic("dash.events")
                .deadLetterTopic("dash.events.dlq")
                .groupId("dash-it")
                .postgres(db)
                .redis(stack.redisUrl())
                .bounded(true)
                .window(Duration.ofMillis(WINDOW_MS))
                .checkpointInterval(Duration.ofSeconds(5))
                .parallelism(2)
                .rules(RULES)
                .build());
        long started = System.nanoTime();
        server = DashboardServer.builder().postgres(PostgresUrl.parse(db)).redis(RedisUrl.parse(stack.redisUrl())).port(0).build().start();
        System.out.printf("dashboard-it serve_start_ms=%d%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /**
     * pay: 3% errors all along (request-error-rate warning); shop: GET /slow over 500 ms at p95 in the last
     * 10 minutes (request-p95 critical), a healthy cache; search: healthy queries.
     */
    static List<MetricEvent> traffic(long start, long end) {
        Random r = new Random(16);
        List<MetricEvent> out = new ArrayList<>();
        int i = 0;
        for (long t = start; t < end; t += 250, i++) {
            boolean late = t >= end - Duration.ofMinutes(10).toMillis();
            out.add(MetricEvent.request(t, "pay", "POST /pay", null, 50 + r.nextDouble() * 100, i % 33 == 0 ? 500 : 200, "POST"));
            out.add(MetricEvent.request(t, "shop", "GET /items/{id}", null, 20 + r.nextDouble() * 60, 200, "GET"));
            if (i % 4 == 0) {
                out.add(MetricEvent.request(t + 1, "shop", "GET /slow", null, late ? 600 + r.nextDouble() * 300 : 100 + r.nextDouble() * 100, 200, "GET"));
            }
            out.add(MetricEvent.cache(t + 2, "shop", "sessions", null, r.nextDouble() < 0.95, CacheLevel.L1, 0.2 + r.nextDouble(), false));
            out.add(MetricEvent.query(t + 3, "search", "SELECT items", null, 5 + r.nextDouble() * 25, false, 10));
        }
        return out;
    }

    static String query() {
        return "from=" + from + "&to=" + to;
    }

    static HttpResponse<String> get(String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + pathAndQuery.substring(1))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode getJson(String pathAndQuery) throws Exception {
        HttpResponse<String> response = get(pathAndQuery);
        assertThat(response.statusCode()).as(pathAndQuery + " -> " + response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        return JSON.readTree(response.body());
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static List<Map<String, Object>> sql(String sql, Object... params) throws Exception {
        try (Connection c = DriverManager.getConnection(db); var st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i] instanceof Instant t ? java.sql.Timestamp.from(t) : params[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int c2 = 1; c2 <= rs.getMetaData().getColumnCount(); c2++) {
                        Object v = rs.getObject(c2);
                        row.put(rs.getMetaData().getColumnLabel(c2), v instanceof java.sql.Array a ? a.getArray() : v);
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    static void execute(String sql, Object... params) throws Exception {
        try (Connection c = DriverManager.getConnection(db); var st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i] instanceof Instant t ? java.sql.Timestamp.from(t) : params[i]);
            }
            st.executeUpdate();
        }
    }

    /** The state a (service, type) must show: the worst severity of its alert series that did not resolve. */
    static Map<String, String> expectedStates() throws Exception {
        Map<String, String> states = new HashMap<>();
        for (Map<String, Object> row : sql("""
                SELECT DISTINCT ON (rule, type, service, name) type, service, event, severity FROM alerts
                ORDER BY rule, type, service, name, window_start DESC, recorded_at DESC""")) {
            if (!row.get("event").equals("resolved")) {
                states.merge(row.get("service") + "/" + row.get("type"), (String) row.get("severity"),
                        (a, b) -> a.equals("critical") || b.equals("critical") ? "critical" : "warning");
            }
        }
        return states;
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Api {
        @Test
        void servicesEqualTheEventsAndSqlOverTheWindowRows() throws Exception {
            JsonNode body = getJson("/api/services?" + query());
            Map<String, String> states = expectedStates();
            assertThat(states).containsEntry("pay/request", "warning").containsEntry("shop/request", "critical");
            List<Map<String, Object>> expected = sql("""
                    SELECT service, type, sum(count) AS events, sum(errors) AS errors,
                           latency_hist_quantiles(latency_merge(latency_hist), ARRAY[0.5, 0.95, 0.99]) AS q
                    FROM metric_windows WHERE name = '*' AND window_start >= ? AND window_start < ?
                    GROUP BY service, type ORDER BY service, type""", from, to);
            assertThat(body.get("services")).hasSize(expected.size()).hasSize(4);
            for (int i = 0; i < expected.size(); i++) {
                Map<String, Object> want = expected.get(i);
                JsonNode got = body.get("services").get(i);
                String key = want.get("service") + "/" + want.get("type");
                assertThat(got.get("service").asText() + "/" + got.get("type").asText()).isEqualTo(key);
                long events = DashboardIT.events.stream().filter(e -> (e.service() + "/" + e.type().wireName()).equals(key)).count();
                assertThat(got.get("events").asLong()).isEqualTo(events).isEqualTo(((Number) want.get("events")).longValue());
                assertThat(got.get("errors").asLong()).isEqualTo(((Number) want.get("errors")).longValue());
                Double[] q = (Double[]) want.get("q");
                assertThat(got.get("p50_ms").asDouble()).isEqualTo(q[0]);
                assertThat(got.get("p95_ms").asDouble()).isEqualTo(q[1]);
                assertThat(got.get("p99_ms").asDouble()).isEqualTo(q[2]);
                assertThat(got.get("state").asText()).as(key).isEqualTo(states.getOrDefault(key, "ok"));
            }
            // Whole UTC days around the run: answered from the daily rollups, the same numbers.
            Instant dayBefore = from.truncatedTo(ChronoUnit.DAYS).minus(1, ChronoUnit.DAYS);
            Instant dayAfter = to.truncatedTo(ChronoUnit.DAYS).plus(2, ChronoUnit.DAYS);
            JsonNode days = getJson("/api/services?from=" + dayBefore + "&to=" + dayAfter);
            for (int i = 0; i < expected.size(); i++) {
                JsonNode got = days.get("services").get(i);
                assertThat(got.get("events").asLong()).isEqualTo(((Number) expected.get(i).get("events")).longValue());
                assertThat(got.get("p99_ms").asDouble()).as("from the daily rows").isEqualTo(((Double[]) expected.get(i).get("q"))[2]);
            }
            JsonNode cache = body.get("services").get(2);
            assertThat(cache.get("type").asText()).isEqualTo("cache");
            long hits = events.stream().filter(e -> e.type().wireName().equals("cache") && e.hit()).count();
            assertThat(cache.get("hits").asLong()).isEqualTo(hits);
        }

        /**
         * The server keeps the services' rows it read (ServiceWindowCache): a row that is updated (late
         * data), added or deleted afterwards must show in the next answer. In June 2025, far from the
         * run's rows, so no other test sees these.
         */
        @Test
        void servicesSeeRowsThatChangedAfterTheyWereRead() throws Exception {
            Instant hour = Instant.parse("2025-06-01T10:00:00Z");
            String range = "/api/services?from=" + hour + "&to=" + hour.plus(1, ChronoUnit.HOURS);
            String insert = """
                    INSERT INTO metric_windows (type, service, name, window_start, window_end, count, errors, error_rate, latency_hist)
                    VALUES ('request', 'late-svc', '*', ?, ?, ?, 0, 0, ARRAY[?]::bigint[])""";
            long bucket200ms = dev.vigil.model.PackedHistogram.bucketIndex(200_000_000L);
            long bucket900ms = dev.vigil.model.PackedHistogram.bucketIndex(900_000_000L);
            execute(insert, hour, hour.plusSeconds(60), 10L, dev.vigil.model.PackedHistogram.pack(bucket200ms, 10));
            JsonNode first = getJson(range).get("services").get(0);
            assertThat(first.get("service").asText()).isEqualTo("late-svc");
            assertThat(first.get("events").asLong()).isEqualTo(10);
            assertThat(getJson(range).get("services").get(0).get("events").asLong()).as("asked again, unchanged").isEqualTo(10);

            // Late events re-fire the window: the job's upsert sets updated_at = now().
            execute("UPDATE metric_windows SET count = 30, latency_hist = ARRAY[?, ?]::bigint[], updated_at = now() "
                    + "WHERE service = 'late-svc' AND window_start = ?",
                    dev.vigil.model.PackedHistogram.pack(bucket200ms, 10), dev.vigil.model.PackedHistogram.pack(bucket900ms, 20), hour);
            JsonNode updated = getJson(range).get("services").get(0);
            assertThat(updated.get("events").asLong()).isEqualTo(30);
            assertThat(updated.get("p50_ms").asDouble()).isEqualTo(dev.vigil.model.PackedHistogram.bucketUpperNanos(bucket900ms) / 1e6);

            execute(insert, hour.plusSeconds(60), hour.plusSeconds(120), 5L, dev.vigil.model.PackedHistogram.pack(bucket200ms, 5));
            assertThat(getJson(range).get("services").get(0).get("events").asLong()).as("a new window").isEqualTo(35);
            execute("DELETE FROM metric_windows WHERE service = 'late-svc' AND window_start = ?", hour);
            assertThat(getJson(range).get("services").get(0).get("events").asLong()).as("a deleted window").isEqualTo(5);
            execute("DELETE FROM metric_windows WHERE service = 'late-svc'");
            assertThat(getJson(range).get("services").findValuesAsText("service")).doesNotContain("late-svc");
        }

        @Test
        void aSeriesOverTheRangeIsItsWindowsAndOverAWeekItsHoursMerged() throws Exception {
            JsonNode minutes = getJson("/api/series?service=shop&type=request&name=" + enc("GET /slow") + "&" + query());
            assertThat(minutes.get("step_seconds").asLong()).isEqualTo(60);
            List<Map<String, Object>> rows = sql("""
                    SELECT window_start, count, p95_ms FROM metric_windows
                    WHERE type = 'request' AND service = 'shop' AND name = 'GET /slow' AND window_start >= ? AND window_start < ?
                    ORDER BY window_start""", from, to);
            JsonNode p = minutes.get("points");
            assertThat(p.get("t")).hasSize(rows.size()).hasSize(40);
            for (int i = 0; i < rows.size(); i++) {
                assertThat(Instant.parse(p.get("t").get(i).asText())).isEqualTo(((java.sql.Timestamp) rows.get(i).get("window_start")).toInstant());
                assertThat(p.get("count").get(i).asLong()).isEqualTo(((Number) rows.get(i).get("count")).longValue());
                assertThat(p.get("p95_ms").get(i).asDouble()).isCloseTo((Double) rows.get(i).get("p95_ms"), within(1e-9));
            }
            assertThat(minutes.get("rules")).extracting(r -> r.get("rule").asText()).contains("request-p95", "request-error-rate");

            Instant weekAgo = to.minus(7, ChronoUnit.DAYS);
            JsonNode hours = getJson("/api/series?service=shop&type=request&from=" + weekAgo + "&to=" + to);
            assertThat(hours.get("step_seconds").asLong()).isEqualTo(1800);
            JsonNode days = getJson("/api/series?service=shop&type=request&from=" + to.minus(60, ChronoUnit.DAYS) + "&to=" + to);
            assertThat(days.get("step_seconds").asLong()).isEqualTo(6 * 3600);
            List<Map<String, Object>> expected = sql("""
                    SELECT date_bin(interval '6 hours', window_start, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS t, sum(count) AS n,
                           latency_hist_quantiles(latency_merge(latency_hist), ARRAY[0.5, 0.95, 0.99]) AS q
                    FROM metric_windows WHERE type = 'request' AND service = 'shop' AND name = '*' GROUP BY 1 ORDER BY 1""");
            JsonNode year = getJson("/api/series?service=shop&type=request&from=" + to.minus(400, ChronoUnit.DAYS) + "&to=" + to);
            assertThat(year.get("step_seconds").asLong()).isEqualTo(86_400);
            long total = events.stream().filter(e -> e.service().equals("shop") && e.type().wireName().equals("request")).count();
            long summed = 0;
            for (JsonNode n : year.at("/points/count")) {
                summed += n.asLong();
            }
            assertThat(summed).as("a year in daily steps, from the daily rollups").isEqualTo(total);
            JsonNode dp = days.get("points");
            assertThat(dp.get("t")).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                assertThat(dp.get("count").get(i).asLong()).isEqualTo(((Number) expected.get(i).get("n")).longValue());
                assertThat(dp.get("p99_ms").get(i).asDouble()).as("hourly rollups answer as the windows do").isEqualTo(((Double[]) expected.get(i).get("q"))[2]);
            }
        }

        @Test
        void slaIsSlaComplianceWithTheNewestValueAndTheAlertState() throws Exception {
            JsonNode body = getJson("/api/sla?service=shop&" + query());
            List<Map<String, Object>> expected = sql("SELECT * FROM sla_compliance(?, ?, NULL, 'shop') ORDER BY type, rule, (name <> '*'), name", from, to);
            assertThat(body.get("rules")).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                JsonNode got = body.get("rules").get(i);
                assertThat(got.get("rule").asText()).isEqualTo(expected.get(i).get("rule"));
                assertThat(got.get("name").asText()).isEqualTo(expected.get(i).get("name"));
                assertThat(got.get("windows_judged").asLong()).isEqualTo(((Number) expected.get(i).get("windows_judged")).longValue());
                assertThat(got.get("incidents").asLong()).isEqualTo(((Number) expected.get(i).get("incidents")).longValue());
            }
            JsonNode slow = find(body.get("rules"), "request-p95", "GET /slow");
            Map<String, Object> newest = sql("SELECT p95_ms FROM metric_windows WHERE type = 'request' AND service = 'shop' "
                    + "AND name = 'GET /slow' ORDER BY window_start DESC LIMIT 1").get(0);
            assertThat(slow.get("value").asDouble()).isEqualTo((Double) newest.get("p95_ms"));
            assertThat(slow.get("value_state").asText()).isEqualTo("critical");
            assertThat(slow.get("alert_state").asText()).isEqualTo("critical");
            assertThat(slow.get("compliance_pct").asDouble()).isLessThan(100).isGreaterThan(50);
            assertThat(find(body.get("rules"), "cache-hit-rate", "sessions").get("alert_state").asText()).isEqualTo("ok");

            // Each SLO series: the newest slo_status row of the range.
            Map<String, Object> slo = sql("SELECT window_end, good, total, budget_remaining, burn_rates::text AS burn_rates, state "
                    + "FROM slo_status WHERE slo = 'shop-availability' AND service = 'shop' AND name = '*' "
                    + "AND window_end > ? AND window_end <= ? ORDER BY window_end DESC LIMIT 1", from, to).get(0);
            assertThat(body.get("slos")).singleElement().satisfies(o -> {
                assertThat(o.get("slo").asText()).isEqualTo("shop-availability");
                assertThat(o.get("name").asText()).isEqualTo("*");
                assertThat(o.get("objective").asDouble()).isEqualTo(0.995);
                assertThat(o.get("good").asLong()).isEqualTo(((Number) slo.get("good")).longValue()).isPositive();
                assertThat(o.get("total").asLong()).isEqualTo(((Number) slo.get("total")).longValue());
                assertThat(o.get("budget_remaining").asDouble()).isEqualTo((Double) slo.get("budget_remaining"));
                try {
                    assertThat(o.get("burn_rates")).isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree(slo.get("burn_rates").toString()));
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
                assertThat(o.get("burn_rates").fieldNames()).toIterable().containsExactly("5m", "1h");
                assertThat(o.get("alert_state").asText()).isEqualTo("ok");
                assertThat(Instant.parse(o.get("window_end").asText())).isEqualTo(((java.sql.Timestamp) slo.get("window_end")).toInstant());
            });
        }

        @Test
        void alertsAreTheTableActiveAndHistory() throws Exception {
            JsonNode all = getJson("/api/alerts?state=all&service=shop&" + query());
            long rows = ((Number) sql("SELECT count(*) AS n FROM alerts WHERE service = 'shop' AND window_end > ? AND window_start < ?", from, to)
                    .get(0).get("n")).longValue();
            assertThat(all.get("alerts")).hasSize((int) rows);
            assertThat(rows).isPositive();
            JsonNode active = getJson("/api/alerts?state=active");
            Map<String, String> states = expectedStates();
            assertThat(active.get("alerts")).isNotEmpty().allSatisfy(a -> assertThat(a.get("event").asText()).isNotEqualTo("resolved"));
            assertThat(active.get("alerts")).extracting(a -> a.get("service").asText() + "/" + a.get("type").asText())
                    .containsOnlyElementsOf(states.keySet());
        }

        @Test
        void healthSaysBothAreReachable() throws Exception {
            JsonNode health = getJson("/api/health");
            assertThat(health.get("status").asText()).isEqualTo("ok");
            assertThat(health.at("/postgres/reachable").asBoolean()).isTrue();
            assertThat(health.at("/redis/reachable").asBoolean()).isTrue();
        }

        @Test
        void badInputGetsItsStatusAndWordsNeverA500() throws Exception {
            Map<String, Integer> cases = new LinkedHashMap<>();
            cases.put("/api/series?service=nobody", 404);
            cases.put("/api/sla?service=nobody", 404);
            cases.put("/api/series?service=shop&name=" + enc("GET /never"), 404);
            cases.put("/api/series?service=shop&from=yesterday", 400);
            cases.put("/api/services?from=2026-13-01T00:00:00Z", 400);
            cases.put("/api/services?from=" + to + "&to=" + from, 400);
            cases.put("/api/services?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", 400);
            cases.put("/api/series?service=shop&type=http", 400);
            cases.put("/api/alerts?state=open", 400);
            cases.put("/api/series", 400);
            cases.put("/api/series?service=" + enc("shop' OR '1'='1"), 404);
            cases.put("/api/alerts?state=all&service=" + enc("x'; DROP TABLE alerts; --"), 404);
            cases.put("/api/series?service=shop&name=" + enc("*' UNION SELECT * FROM sla_rules --"), 404);
            cases.put("/api/series?service=" + "s".repeat(300), 400);
            cases.put("/api/nothing-here", 404);
            for (Map.Entry<String, Integer> c : cases.entrySet()) {
                HttpResponse<String> response = get(c.getKey());
                assertThat(response.statusCode()).as(c.getKey() + " -> " + response.body()).isEqualTo(c.getValue());
                JsonNode error = JSON.readTree(response.body());
                assertThat(error.get("error").asText()).as(c.getKey()).isNotBlank();
            }
            assertThat(get("/api/series?service=shop&type=http").body()).contains("unknown type \\\"http\\\"");
            assertThat(get("/api/services?from=" + to + "&to=" + from).body()).contains("inverted");
            assertThat(get("/api/services?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z").body()).contains("too large");
            assertThat(sql("SELECT count(*) AS n FROM alerts").get(0).get("n")).as("the table is still there").isNotNull();
        }
    }

    static JsonNode find(JsonNode rules, String rule, String name) {
        for (JsonNode r : rules) {
            if (r.get("rule").asText().equals(rule) && r.get("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("no " + rule + " for " + name + " in " + rules);
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Browser {
        ChromeDriver driver;

        @BeforeAll
        void startChromium() {
            Path chromium = Path.of("/usr/bin/chromium");
            Path chromedriver = Path.of("/usr/bin/chromedriver");
            assumeThat(Files.isExecutable(chromium) && Files.isExecutable(chromedriver))
                    .as("skipped: Debian's chromium and chromium-driver are not installed (.ci/run installs them with apt-get)")
                    .isTrue();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(chromium.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1440,1100");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).build();
            driver = new ChromeDriver(service, options);
            driver.manage().window().setSize(new Dimension(1440, 1100));
        }

        @org.junit.jupiter.api.AfterAll
        void quit() {
            if (driver != null) {
                driver.quit();
            }
        }

        @Test
        void overviewChartsAndALiveAlertWithoutAReload() throws Exception {
            driver.get(server.url() + "#range=1h");
            Map<String, String> states = expectedStates();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(driver.findElements(By.cssSelector("#services tbody tr"))).hasSize(4));
            for (WebElement row : driver.findElements(By.cssSelector("#services tbody tr"))) {
                String key = row.getAttribute("data-service") + "/" + row.getAttribute("data-type");
                String state = states.getOrDefault(key, "ok");
                assertThat(row.findElement(By.cssSelector(".state")).getText()).as(key).isEqualToIgnoringCase(state);
            }

            driver.findElement(By.cssSelector("#services tbody tr[data-service='shop'][data-type='request']")).click();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(painted("latency")).as("latency chart pixels").isGreaterThan(500);
                assertThat(painted("errors")).as("error rate chart pixels").isGreaterThan(200);
                assertThat(driver.findElements(By.cssSelector("#sla-table tbody tr"))).isNotEmpty();
                assertThat(driver.findElements(By.cssSelector("#timeline-list li"))).isNotEmpty();
                assertThat(driver.findElements(By.cssSelector("#slo-table tbody tr[data-slo='shop-availability']"))).hasSize(1);
            });
            assertThat(driver.findElement(By.cssSelector("#slo-table tbody tr")).getText())
                    .as("state, SLO, series, objective, budget, burn rates").contains("OK", "shop-availability", "request *", "99.5%", "5m ", "1h ");
            Long points = (Long) ((JavascriptExecutor) driver).executeScript("return window.vigil.charts.latency.plot.data[0].length");
            assertThat(points).isGreaterThanOrEqualTo(30);

            ((JavascriptExecutor) driver).executeScript("window.__sameDocument = true");
            long now = System.currentTimeMillis();
            AlertEvent alert = new AlertEvent("it-live-" + now, AlertEvent.FIRING, "request-p99", "critical", "request", "shop",
                    "GET /slow", "p99_ms", 2350.0, 2000.0, now - WINDOW_MS, now, now - WINDOW_MS,
                    "shop request GET /slow p99_ms=2350 > 2000 (published by DashboardIT)");
            try (JedisPooled redis = new JedisPooled(URI.create(stack.redisUrl()))) {
                AlertChannels.publish(redis, alert);
            }
            await().atMost(Duration.ofSeconds(8)).untilAsserted(() -> {
                assertThat(driver.findElements(By.cssSelector("#firing-list li[data-alert-id='" + alert.alertId() + "']"))).hasSize(1);
                assertThat(driver.findElements(By.cssSelector("#timeline-list li[data-alert-id='" + alert.alertId() + "']"))).hasSize(1);
            });
            assertThat(((JavascriptExecutor) driver).executeScript("return window.__sameDocument === true")).as("no reload").isEqualTo(true);
            assertThat(driver.findElement(By.id("live")).getText()).isEqualTo("live alerts");

            Thread.sleep(1_000); // the new alert's highlight settles
            Path png = Path.of("..", "docs", "dashboard.png");
            Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
            assertThat(Files.size(png)).isGreaterThan(20_000);

            for (int width : new int[] {1280, 2560}) { // a laptop and a large monitor
                driver.manage().window().setSize(new Dimension(width, 1200));
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    JavascriptExecutor js = (JavascriptExecutor) driver;
                    assertThat((Long) js.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth"))
                            .as("no sideways scrolling at %d px", width).isLessThanOrEqualTo(0L);
                    Long gap = (Long) js.executeScript("const c = document.querySelector('#chart-latency canvas');"
                            + "const plot = document.querySelector('#chart-latency .plot');"
                            + "return Math.round(Math.abs(c.getBoundingClientRect().width - plot.getBoundingClientRect().width));");
                    assertThat(gap).as("the latency chart fills its panel at %d px", width).isLessThanOrEqualTo(2L);
                });
            }
        }

        /** Non-blank pixels of a chart's canvas. */
        long painted(String chart) {
            Object n = ((JavascriptExecutor) driver).executeScript("""
                    const c = document.querySelector('#chart-' + arguments[0] + ' canvas');
                    if (!c || !c.width) return 0;
                    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let n = 0;
                    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
                    return n;""", chart);
            return ((Number) n).longValue();
        }
    }

    @Test
    void vigilServePrintsItsAddressThenReadyAndStopsOnSigterm() throws Exception {
        Process process = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), VigilCli.class.getName(),
                "serve", "--postgres", db, "--redis", stack.redisUrl(), "--port", "0")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            long started = System.nanoTime();
            String address = stdout.readLine();
            assertThat(address).matches("dashboard=http://127\\.0\\.0\\.1:\\d+/");
            assertThat(stdout.readLine()).isEqualTo("ready");
            System.out.printf("dashboard-it vigil_serve_ready_ms=%d (JVM start included)%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            String url = address.substring("dashboard=".length());
            HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(url + "api/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.body()).contains("<title>Vigil");
            process.destroy(); // SIGTERM
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        } finally {
            process.destroyForcibly();
        }
    }
}
