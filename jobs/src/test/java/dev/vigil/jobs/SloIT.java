package dev.vigil.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.alerting.SlaRules;
import dev.vigil.events.MetricEvent;
import dev.vigil.model.AlertEvent;
import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.sinks.redis.AlertChannels;
import dev.vigil.sinks.redis.AlertPayload;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.stack.TopicSpec;
import dev.vigil.testing.EmbeddedStackExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * SLOs end to end (real Kafka, PostgreSQL and Redis): a scripted incident raises pay's error ratio to
 * 25 times its budget and the burn-rate tiers fire, escalate and resolve at the windows worked out by
 * hand below; a steady service inside its objective raises nothing; every {@code slo_status} row equals
 * a computation from the raw events; a failure mid-run leaves exactly the same rows.
 */
@ExtendWith(EmbeddedStackExtension.class)
class SloIT {
    static final long T0 = 1_700_000_000_000L; // a multiple of 10 s
    static final long W = 10_000;
    static final String TOPIC = "slo.events";
    static final int WINDOWS = 60;

    /**
     * Objective 99% (budget 1%), 100 events a window, windows 20..29 at 25% errors (burn 25).
     * <ul>
     *   <li>warning, 10m/1m above 2 (min count ⌈1 ÷ (0.01 × 2)⌉ = 50): after k incident windows the 10m window
     *       holds all 20 + k windows, 25k ÷ (100 (20 + k)) ÷ 0.01 > 2 from k = 2 → firing @21</li>
     *   <li>critical, 2m/30s above 10: the 2m window (12 windows) burns 25k ÷ 1200 ÷ 0.01 > 10 from k = 5
     *       (the 30s window from k = 2) → escalated @24</li>
     *   <li>no tier holds once the 1m window (6 windows) is clean: @35</li>
     * </ul>
     */
    static final String RULES = """
            slos:
              - name: pay-availability
                type: request
                services: ["pay"]
                indicator: availability
                objective: 0.99
                period: 1h
                tiers:
                  - {severity: critical, long: 2m, short: 30s, factor: 10}
                  - {severity: warning, long: 10m, short: 1m, factor: 2}
              - name: pay-latency
                type: request
                services: ["pay"]
                indicator: latency
                threshold_ms: 300
                objective: 0.95
                period: 1h
                tiers: []
              - name: shop-availability
                type: request
                services: ["shop"]
                indicator: availability
                objective: 0.99
                period: 1h
                tiers:
                  - {severity: critical, long: 2m, short: 30s, factor: 10}
                  - {severity: warning, long: 10m, short: 1m, factor: 2}
            silence:
              - name: service-silent
                services: ["*"]
                for: 1m
            """;

    static EmbeddedStack stack;
    static String referenceDb;
    static List<MetricEvent> events;

    @BeforeAll
    static void run(EmbeddedStack shared) throws Exception {
        stack = shared;
        stack.kafka().createTopics(List.of(new TopicSpec(TOPIC, 2), new TopicSpec(TOPIC + ".dlq", 1)));
        events = traffic();
        KafkaTestSupport.produceEvents(stack.kafkaBootstrapServers(), TOPIC, events);
        referenceDb = database("slo_reference");
        LocalRunner.run(config(referenceDb).toBuilder().redis(stack.redisUrl()).build());
    }

    static List<MetricEvent> traffic() {
        List<MetricEvent> out = new ArrayList<>();
        for (int w = 0; w < WINDOWS; w++) {
            for (int i = 0; i < 100; i++) {
                long ts = T0 + w * W + i * 97;
                boolean error = w >= 20 && w < 30 && i % 4 == 0; // 25%
                double ms = w >= 40 && w < 50 && i % 10 == 0 ? 900 : 20; // 10% slow for 10 windows
                out.add(MetricEvent.request(ts, "pay", "POST /pay", null, ms, error ? 503 : 200, "POST"));
                boolean shopError = i == 0 && w % 5 == 0; // 0.2%: burn 0.2
                out.add(MetricEvent.request(ts + 1, "shop", "GET /items/{id}", null, 15, shopError ? 500 : 200, "GET"));
                if (i % 20 == 0 && (w < 20 || w >= 40)) { // batch goes silent for windows 20..39
                    out.add(MetricEvent.request(ts + 2, "batch", "POST /run", null, 40, 200, "POST"));
                }
            }
        }
        return out;
    }

    static PipelineConfig config(String db) {
        return PipelineConfig.builder()
                .kafka(stack.kafkaBootstrapServers())
                .eventsTopic(TOPIC)
                .deadLetterTopic(TOPIC + ".dlq")
                .groupId("slo-" + System.nanoTime())
                .postgres(db)
                .bounded(true)
                .window(Duration.ofMillis(W))
                .checkpointInterval(Duration.ofMillis(300))
                .parallelism(2)
                .rules(SlaRules.parse(RULES, "slo-it.yaml"))
                .build();
    }

    static String database(String name) {
        String url = stack.postgres().createDatabase(name);
        SchemaMigrator.migrate(url);
        return url;
    }

    @Test
    void theIncidentFiresTheWarningTierEscalatesToCriticalAndResolvesAtTheWindowsWorkedOutByHand() throws Exception {
        List<String> alerts = new ArrayList<>();
        for (AlertEvent a : AlertingIT.alertsTable(referenceDb)) {
            if (a.rule().equals("service-silent")) {
                continue; // below
            }
            assertThat(a.metric()).isEqualTo("burn_rate");
            alerts.add(a.rule() + " " + a.service() + " " + a.name() + " " + a.event() + " " + a.severity() + " @"
                    + (a.windowStart() - T0) / W + " threshold " + a.threshold());
        }
        assertThat(alerts).as("nothing from shop, inside its objective; nothing from pay-latency, which has no tiers")
                .containsExactlyInAnyOrder(
                        "pay-availability pay * firing warning @21 threshold 2.0",
                        "pay-availability pay * escalated critical @24 threshold 10.0",
                        "pay-availability pay * resolved critical @35 threshold 10.0");
        AlertEvent escalated = AlertingIT.alertsTable(referenceDb).stream().filter(a -> a.event().equals("escalated")).findFirst().orElseThrow();
        assertThat(escalated.value()).as("the smaller burn rate of the deciding tier: the 2m window's")
                .isCloseTo(125 / 1200.0 / 0.01, within(1e-9));
        assertThat(escalated.summary()).contains("tier 2m/30s > 10").contains("objective 99% over 1h");
    }

    /**
     * batch reports windows 0..19, nothing in 20..39, then again: silent once event time (moved by pay and
     * shop) passes the end of window 19 plus 1m; resolved by window 40. pay and shop never stop; the end of
     * the bounded input is not silence.
     */
    @Test
    void aSilentServiceFiresByEventTimeAndResolvesWhenItReturns() throws Exception {
        List<String> silence = new ArrayList<>();
        for (AlertEvent a : AlertingIT.alertsTable(referenceDb)) {
            if (a.rule().equals("service-silent")) {
                assertThat(a.metric()).isEqualTo("silence");
                silence.add(a.service() + " " + a.name() + " " + a.event() + " " + a.severity() + " @" + (a.windowStart() - T0) / W
                        + " value " + a.value());
            }
        }
        assertThat(silence).containsExactlyInAnyOrder(
                "batch * firing critical @19 value 60.0", "batch POST /run firing critical @19 value 60.0",
                "batch * resolved critical @40 value 200.0", "batch POST /run resolved critical @40 value 200.0");
    }

    @Test
    void theTransitionsReachRedisWithFingerprintAndStatus() {
        try (JedisPooled jedis = new JedisPooled(URI.create(stack.redisUrl()))) {
            List<String> slo = new ArrayList<>();
            for (var e : jedis.xrange(AlertChannels.STREAM, (StreamEntryID) null, (StreamEntryID) null)) {
                AlertEvent a = AlertPayload.fromJson(e.getFields().get(AlertChannels.STREAM_FIELD));
                if (a.rule().equals("pay-availability")) {
                    slo.add(a.event() + " " + a.status() + " " + a.fingerprint());
                }
            }
            String fp = AlertEvent.fingerprint("pay-availability", "request", "pay", "*");
            assertThat(slo).containsExactly("firing firing " + fp, "escalated firing " + fp, "resolved resolved " + fp);
        }
    }

    /** Each row against the raw events: the period (1 h) holds every window up to the row's end. */
    @Test
    void everySloStatusRowEqualsAComputationFromTheRawEvents() throws Exception {
        int rows = 0;
        ObjectMapper json = new ObjectMapper();
        try (Connection c = DriverManager.getConnection(referenceDb);
             ResultSet rs = c.createStatement().executeQuery("""
                     SELECT slo, service, name, extract(epoch FROM window_end) * 1000 AS end_ms, objective, good, total,
                            window_good, window_total, budget_remaining, burn_rates::text, state
                     FROM slo_status ORDER BY slo, window_end""")) {
            while (rs.next()) {
                rows++;
                String slo = rs.getString("slo");
                long end = rs.getLong("end_ms");
                String service = slo.startsWith("pay") ? "pay" : "shop";
                boolean latency = slo.equals("pay-latency");
                double objective = latency ? 0.95 : 0.99;
                assertThat(rs.getString("service")).isEqualTo(service);
                assertThat(rs.getString("name")).as("the service rollup by default").isEqualTo("*");
                long[] period = count(service, latency, end - Duration.ofHours(1).toMillis(), end);
                long[] window = count(service, latency, end - W, end);
                String at = slo + " @" + ((end - T0) / W - 1);
                assertThat(rs.getLong("good")).as(at).isEqualTo(period[0]);
                assertThat(rs.getLong("total")).as(at).isEqualTo(period[1]);
                assertThat(rs.getLong("window_good")).as(at).isEqualTo(window[0]);
                assertThat(rs.getLong("window_total")).as(at).isEqualTo(window[1]).isEqualTo(100);
                long bad = period[1] - period[0];
                assertThat(rs.getDouble("budget_remaining")).as(at)
                        .isCloseTo(bad == 0 ? 1 : 1 - bad / ((1 - objective) * period[1]), within(1e-9));
                JsonNode burn = json.readTree(rs.getString("burn_rates"));
                if (!latency) {
                    for (String span : List.of("30s", "1m", "2m", "10m")) {
                        long[] s = count(service, false, end - dev.vigil.model.Durations.parse(span).toMillis(), end);
                        assertThat(burn.get(span).asDouble()).as(at + " burn " + span)
                                .isCloseTo((double) (s[1] - s[0]) / s[1] / (1 - objective), within(1e-9));
                    }
                } else {
                    assertThat(burn.size()).isZero();
                }
                long index = (end - T0) / W - 1;
                String state = !slo.equals("pay-availability") || index < 21 || index >= 35 ? "ok" : index < 24 ? "warning" : "critical";
                assertThat(rs.getString("state")).as(at).isEqualTo(state);
            }
        }
        assertThat(rows).as("one row per SLO and window").isEqualTo(3 * WINDOWS);
    }

    /** The README's "where each SLO stands now" query, on this run's rows (printed: the README shows it). */
    @Test
    void theReadmeQueryShowsWhereEachSloStandsNow() throws Exception {
        List<String> lines = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(referenceDb);
             ResultSet rs = c.createStatement().executeQuery(README_QUERY)) {
            while (rs.next()) {
                lines.add(String.format("%-18s | %-7s | %s | %6s | %7s | %8s | %s", rs.getString(1), rs.getString(2),
                        rs.getObject(3, java.time.OffsetDateTime.class).toInstant(), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getString(7)));
            }
        }
        System.out.println("slo-it README query:\n" + String.join("\n", lines));
        // pay: 250 bad of 6,000 (1% allowed: 60) → 1 - 250/60; latency: 100 slow of 6,000 (5%: 300) → 1 - 100/300.
        assertThat(lines).hasSize(3);
        assertThat(lines).containsExactly(
                "pay-availability   | pay     | 2023-11-14T22:23:20Z | -3.167 |    0.00 |     0.00 | ok",
                "pay-latency        | pay     | 2023-11-14T22:23:20Z |  0.667 |    null |     null | ok",
                "shop-availability  | shop    | 2023-11-14T22:23:20Z |  0.800 |    0.17 |     0.00 | ok");
    }

    static final String README_QUERY = """
            SELECT DISTINCT ON (slo, service) slo, service, window_end, round(budget_remaining::numeric, 3) AS budget,
                   round((burn_rates->>'1m')::numeric, 2) AS burn_1m,
                   round((burn_rates->>'30s')::numeric, 2) AS burn_30s, state
            FROM slo_status ORDER BY slo, service, window_end DESC""";

    @Test
    void aFailureMidRunEndsWithExactlyTheSameSloStatusRowsAndAlerts() throws Exception {
        String db = database("slo_failure");
        FailOnceAfterCheckpoints.reset();
        PipelineConfig cfg = config(db);
        LocalRunner.run(cfg, env -> VigilPipeline.build(FailOnceAfterCheckpoints.around(VigilJob.kafkaInput(env, cfg),
                new FailOnceAfterCheckpoints(4_000, 10)), cfg.aggregation(), cfg.rules(), VigilJob.ports(cfg)));
        assertThat(FailOnceAfterCheckpoints.FAILED.get()).as("the failure was injected").isTrue();
        assertThat(sloStatus(db)).containsExactlyElementsOf(sloStatus(referenceDb));
        assertThat(AlertingIT.alertsTable(db)).containsExactlyInAnyOrderElementsOf(AlertingIT.alertsTable(referenceDb));
    }

    /** {good, total} of a service's events in [from, to): good = not an error, or (latency) at most 300 ms. */
    static long[] count(String service, boolean latency, long from, long to) {
        long good = 0;
        long total = 0;
        for (MetricEvent e : events) {
            if (e.service().equals(service) && e.ts() >= from && e.ts() < to) {
                total++;
                if (latency ? e.durationNanos() <= 300_000_000L : !e.error()) {
                    good++;
                }
            }
        }
        return new long[] {good, total};
    }

    static List<String> sloStatus(String db) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db);
             ResultSet rs = c.createStatement().executeQuery("""
                     SELECT slo, type, service, name, window_start, window_end, good, total, window_good, window_total,
                            budget_remaining, burn_rates::text, state FROM slo_status ORDER BY slo, window_end""")) {
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= 13; i++) {
                    row.append(rs.getString(i)).append(' ');
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }
}
