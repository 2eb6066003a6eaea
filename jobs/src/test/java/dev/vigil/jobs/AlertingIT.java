package dev.vigil.jobs;

import dev.vigil.events.CacheLevel;
import dev.vigil.events.MetricEvent;
import dev.vigil.model.AlertEvent;
import dev.vigil.sinks.redis.AlertPayload;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.HashMap;
import java.util.Map;
import dev.vigil.sinks.redis.AlertSubscription;
import dev.vigil.sinks.redis.RedisUrl;
import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.sinks.redis.AlertChannels;
import dev.vigil.stack.EmbeddedRedisServer;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import dev.vigil.stack.TopicSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SLA alerts end to end with the default rules: scripted incidents in, exactly the expected
 * firing / escalated / resolved transitions out, on a real Redis subscriber, in the alerts table and in
 * the stream; the same rows after a failure; no transition lost while Redis is down.
 */
@ExtendWith(EmbeddedStackExtension.class)
class AlertingIT {

    static final long T0 = 1_700_000_000_000L;
    static final long W = 10_000;
    static final String TOPIC = "alerts.events";

    /**
     * The transitions the incidents must cause, as "rule service name event severity @window". The
     * latency spike is on one route only (3.8% of the service's traffic, so the rollup stays fine); the
     * other incidents hit single-series services, so the rollup '*' alerts too.
     */
    static final Set<String> EXPECTED = new TreeSet<>(List.of(
            "request-p95 shop GET /slow firing warning @4",
            "request-p95 shop GET /slow escalated critical @5",
            "request-p95 shop GET /slow resolved critical @8",
            "request-error-rate pay POST /pay firing critical @6",
            "request-error-rate pay POST /pay resolved critical @9",
            "request-error-rate pay * firing critical @6",
            "request-error-rate pay * resolved critical @9",
            "cache-hit-rate shop catalog firing critical @10",
            "cache-hit-rate shop catalog resolved critical @13",
            "cache-hit-rate shop * firing critical @10",
            "cache-hit-rate shop * resolved critical @13",
            "scraper-failure-rate crawler twitter firing critical @3",
            "scraper-failure-rate crawler twitter resolved critical @6",
            "scraper-failure-rate crawler * firing critical @3",
            "scraper-failure-rate crawler * resolved critical @6"));

    static EmbeddedStack stack;
    static String referenceDb;
    static final List<String> subscribed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void runWithASubscriber(EmbeddedStack shared) throws Exception {
        stack = shared;
        stack.kafka().createTopics(List.of(new TopicSpec(TOPIC, 2), new TopicSpec(TOPIC + ".dlq", 1)));
        KafkaTestSupport.produceEvents(stack.kafkaBootstrapServers(), TOPIC, incidents());

        // A real subscriber, started before the job, on every per-service channel (start() returns once
        // Redis has confirmed the subscription, and throws if it does not within 10 s).
        AlertSubscription subscription = AlertSubscription.start(RedisUrl.parse(stack.redisUrl()),
                AlertChannels.SERVICE_PREFIX + "*", true, subscribed::add);

        referenceDb = database("alerts_reference");
        LocalRunner.run(config(referenceDb).toBuilder().redis(stack.redisUrl()).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> subscribed.size() >= EXPECTED.size());
        Thread.sleep(500); // anything beyond the expected would arrive now
        subscription.close();
    }

    @Test
    void theSubscriberReceivesExactlyTheExpectedTransitions() {
        List<AlertEvent> alerts = subscribed.stream().map(AlertPayload::fromJson).toList();
        assertThat(alerts.stream().map(AlertingIT::describe).toList()).containsExactlyInAnyOrderElementsOf(EXPECTED);

        AlertEvent firing = find(alerts, "GET /slow", "firing");
        assertThat(firing.value()).isEqualTo(450.0);
        assertThat(firing.threshold()).isEqualTo(400.0);
        assertThat(firing.startedAt()).isEqualTo(T0 + 3 * W); // the breach began one window before it fired
        AlertEvent escalated = find(alerts, "GET /slow", "escalated");
        assertThat(escalated.value()).isEqualTo(700.0);
        assertThat(escalated.threshold()).isEqualTo(500.0);
        assertThat(escalated.startedAt()).isEqualTo(firing.startedAt());
        AlertEvent cache = find(alerts, "catalog", "firing");
        assertThat(cache.value()).isEqualTo(0.6);
        assertThat(cache.threshold()).isEqualTo(0.7);
        assertThat(find(alerts, "POST /pay", "firing").value()).isEqualTo(0.1);
    }

    @Test
    void theAlertsTableHasTheSameTransitionsWithTheSameIds() throws Exception {
        List<AlertEvent> rows = alertsTable(referenceDb);
        assertThat(rows.stream().map(AlertingIT::describe).toList()).containsExactlyInAnyOrderElementsOf(EXPECTED);
        Set<String> redisIds = subscribed.stream().map(m -> AlertPayload.fromJson(m).alertId()).collect(Collectors.toSet());
        assertThat(rows.stream().map(AlertEvent::alertId).collect(Collectors.toSet())).isEqualTo(redisIds);
    }

    @Test
    void everyTransitionCarriesItsSeriesFingerprintAndStatusInTheTableAndOnRedis() throws Exception {
        Map<String, String> fingerprintBySeries = new HashMap<>();
        try (Connection c = DriverManager.getConnection(referenceDb);
             ResultSet rs = c.createStatement().executeQuery("select * from alerts")) {
            while (rs.next()) {
                String series = rs.getString("rule") + " " + rs.getString("service") + " " + rs.getString("name");
                assertThat(rs.getString("fingerprint")).as(series).matches("[0-9a-f]{16}").isEqualTo(AlertEvent.fingerprint(
                        rs.getString("rule"), rs.getString("type"), rs.getString("service"), rs.getString("name")));
                assertThat(rs.getString("status")).isEqualTo(rs.getString("event").equals("resolved") ? "resolved" : "firing");
                fingerprintBySeries.put(series, rs.getString("fingerprint"));
            }
        }
        assertThat(new HashSet<>(fingerprintBySeries.values())).as("one fingerprint per series").hasSameSizeAs(fingerprintBySeries.keySet());
        for (String message : subscribed) {
            JsonNode json = new ObjectMapper().readTree(message);
            String series = json.get("rule").asText() + " " + json.get("service").asText() + " " + json.get("name").asText();
            assertThat(json.get("fingerprint").asText()).as(series).isEqualTo(fingerprintBySeries.get(series));
            assertThat(json.get("status").asText()).isIn("firing", "resolved");
        }
    }

    @Test
    void theStreamHoldsEveryTransition() {
        try (JedisPooled jedis = new JedisPooled(URI.create(stack.redisUrl()))) {
            var entries = jedis.xrange(AlertChannels.STREAM, (StreamEntryID) null, (StreamEntryID) null);
            // The suite shares one Redis: other classes' alerts (SloIT's SLOs) are in the stream too.
            Set<String> slaRules = dev.vigil.alerting.SlaRules.defaults().rules().stream()
                    .map(dev.vigil.alerting.SlaRule::name).collect(Collectors.toSet());
            List<String> described = entries.stream()
                    .map(e -> AlertPayload.fromJson(e.getFields().get("alert")))
                    .filter(a -> slaRules.contains(a.rule()))
                    .map(AlertingIT::describe).toList();
            assertThat(described).containsExactlyInAnyOrderElementsOf(EXPECTED);
        }
    }

    @Test
    void aFailureMidIncidentEndsWithExactlyTheSameAlertRows() throws Exception {
        String db = database("alerts_failure");
        FailOnceAfterCheckpoints.reset();
        PipelineConfig cfg = config(db);
        LocalRunner.run(cfg, env -> VigilPipeline.build(FailOnceAfterCheckpoints.around(VigilJob.kafkaInput(env, cfg),
                new FailOnceAfterCheckpoints(2_500, 10)), cfg.aggregation(), cfg.rules(), VigilJob.ports(cfg)));
        assertThat(FailOnceAfterCheckpoints.FAILED.get()).as("the failure was injected").isTrue();
        assertThat(alertsTable(db)).containsExactlyInAnyOrderElementsOf(alertsTable(referenceDb));
    }

    @Test
    void whileRedisIsDownAlertsWaitAndAreDeliveredWhenItReturns(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String db = database("alerts_redis_down");
        AtomicReference<EmbeddedRedisServer> redisLater = new AtomicReference<>();
        Thread comeBack = new Thread(() -> {
            try {
                Thread.sleep(4_000);
            } catch (InterruptedException e) {
                return;
            }
            redisLater.set(EmbeddedRedisServer.start(dir, port));
        });
        FailOnceAfterCheckpoints.reset(); // used here only to slow the run down, never to fail
        comeBack.start();
        try {
            // Redis is not there when the job starts; it comes up 4 s later.
            PipelineConfig cfg = config(db).toBuilder().redis("redis://localhost:" + port).build();
            LocalRunner.run(cfg, env -> VigilPipeline.build(FailOnceAfterCheckpoints.around(VigilJob.kafkaInput(env, cfg),
                    new FailOnceAfterCheckpoints(Long.MAX_VALUE, 5)), cfg.aggregation(), cfg.rules(), VigilJob.ports(cfg)));
            comeBack.join();
            assertThat(alertsTable(db).stream().map(AlertingIT::describe).toList())
                    .as("the table never depended on Redis").containsExactlyInAnyOrderElementsOf(EXPECTED);
            try (JedisPooled jedis = new JedisPooled(URI.create("redis://localhost:" + port))) {
                var entries = jedis.xrange(AlertChannels.STREAM, (StreamEntryID) null, (StreamEntryID) null);
                assertThat(entries.stream().map(e -> describe(AlertPayload.fromJson(e.getFields().get("alert")))).toList())
                        .as("every alert was published once Redis was back").containsExactlyInAnyOrderElementsOf(EXPECTED);
            }
        } finally {
            comeBack.join();
            if (redisLater.get() != null) {
                redisLater.get().close();
            }
        }
    }

    // ----------------------------------------------------------------------------------------------

    /** 16 windows of steady traffic with four incidents; every value chosen so the outcome is exact. */
    static List<MetricEvent> incidents() {
        List<MetricEvent> events = new ArrayList<>();
        for (int w = 0; w < 16; w++) {
            long start = T0 + w * W;
            double slow = switch (w) {
                case 3, 4 -> 450;
                case 5, 6 -> 700;
                default -> 100;
            };
            boolean errorBurst = w >= 5 && w <= 7;
            boolean cacheDrop = w >= 9 && w <= 11;
            boolean scraperFailing = w >= 2 && w <= 4;
            for (int i = 0; i < 500; i++) {
                long ts = start + i * (W / 500);
                events.add(MetricEvent.request(ts, "shop", "GET /fast", null, 20, 200, "GET"));
                if (i % 25 == 0) { // 20 per window
                    events.add(MetricEvent.request(ts + 1, "shop", "GET /slow", null, slow, 200, "GET"));
                }
                if (i % 5 == 0) { // 100 per window
                    boolean error = errorBurst && i % 50 == 0; // 10%
                    events.add(MetricEvent.request(ts + 2, "pay", "POST /pay", null, 30, error ? 503 : 200, "POST"));
                    boolean hit = !cacheDrop || i % 25 < 15; // 60% during the incident, else 100%
                    events.add(MetricEvent.cache(ts + 3, "shop", "catalog", null, hit, CacheLevel.L1, 0.2, false));
                    events.add(MetricEvent.query(ts + 4, "shop", "SELECT item", null, 5, false, 1));
                }
                if (i % 25 == 0) { // 20 per window
                    boolean failed = scraperFailing && (i / 25) % 10 < 3; // 6 of 20: 30%
                    events.add(MetricEvent.scrape(ts + 5, "crawler", "twitter", null, 1_000, failed, 10));
                }
            }
        }
        return events;
    }

    static String describe(AlertEvent a) {
        return a.rule() + " " + a.service() + " " + a.name() + " " + a.event() + " " + a.severity() + " @"
                + (a.windowStart() - T0) / W;
    }

    static AlertEvent find(List<AlertEvent> alerts, String name, String event) {
        return alerts.stream().filter(a -> a.name().equals(name) && a.event().equals(event)).findFirst().orElseThrow();
    }

    static List<AlertEvent> alertsTable(String url) throws Exception {
        List<AlertEvent> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
             ResultSet rs = c.createStatement().executeQuery("select * from alerts order by alert_id")) {
            while (rs.next()) {
                rows.add(new AlertEvent(rs.getString("alert_id"), rs.getString("event"), rs.getString("rule"),
                        rs.getString("severity"), rs.getString("type"), rs.getString("service"), rs.getString("name"),
                        rs.getString("metric"), rs.getDouble("value"), rs.getDouble("threshold"),
                        millis(rs, "window_start"), millis(rs, "window_end"), millis(rs, "started_at"), rs.getString("summary")));
            }
        }
        return rows;
    }

    private static long millis(ResultSet rs, String column) throws java.sql.SQLException {
        return rs.getObject(column, java.time.OffsetDateTime.class).toInstant().toEpochMilli();
    }

    static String database(String name) {
        String url = stack.postgres().createDatabase(name);
        SchemaMigrator.migrate(url);
        return url;
    }

    static PipelineConfig config(String db) {
        return PipelineConfig.builder()
                .kafka(stack.kafkaBootstrapServers())
                .eventsTopic(TOPIC)
                .deadLetterTopic(TOPIC + ".dlq")
                .groupId("alerts-" + System.nanoTime())
                .postgres(db)
                .bounded(true)
                .window(Duration.ofMillis(W))
                .checkpointInterval(Duration.ofMillis(300))
                .parallelism(2)
                .build();
    }

}
