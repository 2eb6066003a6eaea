package dev.vigil.jobs;

import dev.vigil.aggregation.ServiceWindows;
import dev.vigil.aggregation.LatencyHistogram;
import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;
import dev.vigil.events.Topics;
import dev.vigil.model.Decoded;
import dev.vigil.model.MetricWindow;
import dev.vigil.testing.CollectingSink;
import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import dev.vigil.stack.TopicSpec;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The aggregation job end to end: real Kafka in, Flink MiniCluster, real PostgreSQL out, compared with
 * exact values computed from the same events.
 */
@ExtendWith(EmbeddedStackExtension.class)
class AggregationJobIT {

    static final long T0 = 1_700_000_000_000L; // a multiple of the window
    static final Duration WINDOW = Duration.ofSeconds(10);
    static final int EVENTS = 240_000;
    static final String[] PERCENTILES = {"p50", "p90", "p95", "p99", "p999"};
    static final double[] QS = {0.50, 0.90, 0.95, 0.99, 0.999};

    static EmbeddedStack stack;
    static List<MetricEvent> events;
    static String referenceDb;
    static final Map<String, Double> worstRelativeError = new TreeMap<>();

    @BeforeAll
    static void runReference(EmbeddedStack shared) throws Exception {
        stack = shared;
        stack.kafka().createTopics(List.of(new TopicSpec("agg.accuracy", 4), new TopicSpec("agg.accuracy.dlq", 1)));
        events = Workload.generate(11, EVENTS, T0, 120_000);
        KafkaTestSupport.produceEvents(stack.kafkaBootstrapServers(), "agg.accuracy", events);

        referenceDb = database("agg_reference");
        long started = System.nanoTime();
        LocalRunner.run(config("agg.accuracy", referenceDb, Duration.ofMinutes(2), 2000));
        System.out.printf("reference run: %d events in %.1f s%n", EVENTS, (System.nanoTime() - started) / 1e9);
    }

    @AfterAll
    static void report() {
        System.out.println("worst relative error vs exact nearest rank, over every row: " + worstRelativeError);
    }

    // 1. Accuracy against an exact oracle --------------------------------------------------------

    @Test
    void everyRowMatchesTheExactValues() throws Exception {
        Map<String, Oracle.Expected> expected = Oracle.expect(events, WINDOW.toMillis());
        Map<String, MetricWindow> rows = MetricWindowsTable.read(referenceDb);

        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        assertThat(rows.values().stream().filter(MetricWindow::isRollup).count()).isEqualTo(
                Arrays.stream(Workload.SERVICES).count() * 4 * 12); // services × types × windows
        for (Oracle.Expected x : expected.values()) {
            MetricWindow row = rows.get(x.key());
            String what = x.key();
            assertThat(row.windowEnd()).as(what).isEqualTo(x.windowStart + WINDOW.toMillis());
            assertThat(row.count()).as(what).isEqualTo(x.count);
            assertThat(row.errors()).as(what).isEqualTo(x.errors);
            assertThat(row.errorRate()).as(what).isEqualTo((double) x.errors / x.count);
            if (x.type.equals("cache")) {
                assertThat(row.hits()).as(what).isEqualTo(x.hits);
                assertThat(row.misses()).as(what).isEqualTo(x.misses);
                assertThat(row.hitRate()).as(what).isEqualTo((double) x.hits / (x.hits + x.misses));
            } else {
                assertThat(row.hits()).as(what).isNull();
                assertThat(row.hitRate()).as(what).isNull();
            }
            assertThat(row.minMs()).as(what).isEqualTo(x.quantile(0.0));
            assertThat(row.maxMs()).as(what).isEqualTo(x.quantile(1.0));
            assertThat(row.meanMs()).as(what).isCloseTo(x.mean(), within(1e-6));
            double[] got = {row.p50Ms(), row.p90Ms(), row.p95Ms(), row.p99Ms(), row.p999Ms()};
            for (int i = 0; i < QS.length; i++) {
                double exact = x.quantile(QS[i]);
                assertThat(got[i]).as(what + " " + PERCENTILES[i]).isCloseTo(exact, within(exact * 0.01));
                worstRelativeError.merge(PERCENTILES[i], Math.abs(got[i] - exact) / exact, Math::max);
            }
        }
    }

    // 2. The SQL aggregate agrees with Java and with the events ------------------------------------

    @Test
    void latencyQuantileInSqlEqualsTheJavaMergeAndTheExactValue() throws Exception {
        Map<String, MetricWindow> rows = MetricWindowsTable.read(referenceDb);
        Map<String, List<MetricEvent>> eventsByService = events.stream().filter(MetricEvent::hasDuration)
                .collect(Collectors.groupingBy(e -> e.type().wireName() + "/" + e.service()));
        String sql = """
                SELECT latency_quantile(latency_hist, ?) FROM metric_windows
                WHERE type = ? AND service = ? AND name = '*'""";
        int compared = 0;
        try (Connection c = DriverManager.getConnection(referenceDb); PreparedStatement ps = c.prepareStatement(sql)) {
            for (var group : eventsByService.entrySet()) {
                String[] ts = group.getKey().split("/");
                LatencyHistogram javaMerge = new LatencyHistogram();
                rows.values().stream().filter(w -> w.isRollup() && w.type().equals(ts[0]) && w.service().equals(ts[1]))
                        .forEach(w -> javaMerge.add(LatencyHistogram.fromBuckets(w.latencyHist())));
                double[] sorted = group.getValue().stream().mapToDouble(MetricEvent::durationMs).sorted().toArray();
                for (double q : new double[] {0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
                    ps.setDouble(1, q);
                    ps.setString(2, ts[0]);
                    ps.setString(3, ts[1]);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        double inSql = rs.getDouble(1);
                        double exact = sorted[(int) LatencyHistogram.nearestRank(q, sorted.length) - 1];
                        assertThat(inSql).as(group.getKey() + " q=" + q).isEqualTo(javaMerge.quantileMillis(q));
                        assertThat(inSql).as(group.getKey() + " q=" + q).isCloseTo(exact, within(exact * 0.01));
                        compared++;
                    }
                }
            }
        }
        assertThat(compared).isEqualTo(3 * 4 * 7);
    }

    // 3. Bad data ----------------------------------------------------------------------------------

    @Test
    void badRecordsGoToTheDeadLetterTopicWithTheirReasonAndGoodOnesAreExact() throws Exception {
        stack.kafka().createTopics(List.of(new TopicSpec("agg.bad", 2), new TopicSpec("agg.bad.dlq", 1)));
        List<MetricEvent> good = Workload.generate(3, 2_000, T0, 30_000);
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("not json at all", "not valid JSON: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
        bad.put("[1]", "expected a JSON object, got an array");
        bad.put("{\"type\":\"request\",\"service\":\"checkout\",\"name\":\"GET /\",\"duration_ms\":1,\"status\":200}", "missing field \"ts\"");
        bad.put("{\"type\":\"request\",\"ts\":" + (T0 + 5) + ",\"service\":\"checkout\",\"name\":\"GET /\",\"duration_ms\":\"1\",\"status\":200}", "field \"duration_ms\" must be a number, got a string");
        bad.put("{\"type\":\"query\",\"ts\":" + (T0 + 5) + ",\"service\":\"checkout\",\"name\":\"q\",\"duration_ms\":-1}", "duration_ms must be >= 0, got -1.0");
        bad.put("{\"type\":\"metric\",\"ts\":" + (T0 + 5) + ",\"service\":\"checkout\",\"name\":\"x\"}", "unknown type \"metric\" (expected request, query, cache or scraper)");
        bad.put("{\"type\":\"request\",\"ts\":" + (T0 + 5) + ",\"service\":\"checkout\",\"name\":\"GET /\",\"duration_ms\":1,\"status\":700}", "status must be between 100 and 599, got 700");
        bad.put("{\"type\":\"cache\",\"ts\":" + (T0 + 5) + ",\"service\":\"\",\"name\":\"c\",\"hit\":true}", "service must be 1-128 characters, got 0");
        String oversize = "{\"type\":\"cache\",\"ts\":" + (T0 + 5) + ",\"service\":\"s\",\"name\":\"c\",\"hit\":true,\"pad\":\"" + "x".repeat(70_000) + "\"}";
        bad.put(oversize, "value is " + oversize.length() + " bytes, over the 65536-byte limit");

        // A bad record after every 200th good one, cycling through every kind (10 slots, 9 kinds).
        List<String> badJson = new ArrayList<>(bad.keySet());
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < good.size(); i++) {
            records.add(KafkaTestSupport.record("agg.bad", good.get(i)));
            if (i % 200 == 0) {
                String json = badJson.get((i / 200) % badJson.size());
                records.add(new ProducerRecord<>("agg.bad", KafkaTestSupport.utf8("bad-key"), KafkaTestSupport.utf8(json)));
            }
        }
        byte[] invalidUtf8 = {'{', '"', 'x', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        records.add(new ProducerRecord<>("agg.bad", KafkaTestSupport.utf8("bad-key"), invalidUtf8));
        KafkaTestSupport.produce(stack.kafkaBootstrapServers(), records);
        long badRecords = records.stream().filter(r -> Arrays.equals(r.key(), KafkaTestSupport.utf8("bad-key"))).count();

        String db = database("agg_bad");
        PipelineConfig cfg = config("agg.bad", db, Duration.ofMinutes(2), 2000);
        LocalRunner.run(cfg.toBuilder().deadLetterTopic("agg.bad.dlq").build());

        Map<String, MetricWindow> rows = MetricWindowsTable.read(db);
        Map<String, Oracle.Expected> expected = Oracle.expect(good, WINDOW.toMillis());
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.values().forEach(x -> assertThat(rows.get(x.key()).count()).as(x.key()).isEqualTo(x.count));

        List<ConsumerRecord<byte[], byte[]>> dlq = KafkaTestSupport.readAll(stack.kafkaBootstrapServers(), "agg.bad.dlq");
        assertThat(dlq).as("one dead letter per bad record: no restart replayed any").hasSize((int) badRecords);
        Map<String, String> reasonByValue = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            assertThat(r.key()).isEqualTo(KafkaTestSupport.utf8("bad-key"));
            String reason = new String(r.headers().lastHeader(Topics.ERROR_HEADER).value(), StandardCharsets.UTF_8);
            reasonByValue.put(new String(r.value(), StandardCharsets.UTF_8), reason);
            if (Arrays.equals(r.value(), invalidUtf8)) {
                assertThat(reason).isEqualTo("invalid UTF-8 at byte 6");
            }
        }
        // A value over the limit keeps its first 64 KiB (the truncated header says so): the rest compare whole.
        bad.forEach((json, reason) -> assertThat(reasonByValue)
                .containsEntry(json.length() > EventCodec.MAX_VALUE_BYTES ? json.substring(0, EventCodec.MAX_VALUE_BYTES) : json, reason));
        assertThat(dlq).filteredOn(r -> r.headers().lastHeader(Topics.TRUNCATED_HEADER) != null).singleElement()
                .satisfies(r -> assertThat(new String(r.headers().lastHeader(Topics.TRUNCATED_HEADER).value(), StandardCharsets.UTF_8))
                        .isEqualTo("value: " + oversize.length() + " bytes, the first 65536 kept"));
    }

    // 4. Late data ---------------------------------------------------------------------------------

    /**
     * Drives the graph from an in-memory source with a watermark after every event: the Kafka source's
     * watermarks are periodic (200 ms), so a bounded read of five records would see none in between.
     * Sinks are the real ones.
     */
    @Test
    void aLateEventWithinTheLatenessUpdatesTheRowAndOneBeyondGoesToTheDeadLetters() throws Exception {
        stack.kafka().createTopics(List.of(new TopicSpec("agg.late.dlq", 1)));
        List<Decoded> sequence = Stream.of(
                request(T0 + 1_000, 10),        // window [T0, T0+10s)
                request(T0 + 25_000, 10),       // watermark passes T0+10s: the window fires with count 1
                request(T0 + 2_000, 20),        // late, within the 30 s lateness: re-fires with count 2
                request(T0 + 60_000, 10),       // watermark passes T0+10s+30s: the window is closed
                request(T0 + 3_000, 999))       // too late: dead letter, row unchanged
                .map(Decoded::valid).toList();

        String db = database("agg_late");
        PipelineConfig base = config("agg.late", db, Duration.ofSeconds(30), 2000);
        PipelineConfig cfg = base.toBuilder().deadLetterTopic("agg.late.dlq").parallelism(1).build();
        CollectingSink<MetricWindow> emitted = new CollectingSink<>("late-windows");
        LocalRunner.run(cfg, env -> {
            DataStream<Decoded> input = env.fromData(sequence, TypeInformation.of(Decoded.class))
                    .assignTimestampsAndWatermarks(InMemoryPipeline.watermarkAfterEveryEvent(cfg.outOfOrderness(), java.time.Clock.systemUTC()));
            VigilPipeline.build(input, cfg.aggregation(), cfg.rules(), VigilJob.ports(cfg)).windows().sinkTo(emitted);
        });

        List<Long> firstWindowCounts = emitted.received().stream()
                .filter(w -> w.windowStart() == T0 && w.name().equals("GET /late"))
                .map(MetricWindow::count).toList();
        assertThat(firstWindowCounts).as("fired on time, then again for the late event").containsExactly(1L, 2L);

        MetricWindow row = MetricWindowsTable.read(db).get(Oracle.key("request", "late-svc", "GET /late", T0));
        assertThat(row.count()).isEqualTo(2);
        assertThat(row.maxMs()).isEqualTo(20.0);
        assertThat(MetricWindowsTable.read(db).get(Oracle.key("request", "late-svc", "*", T0)).count())
                .as("the rollup follows the late update").isEqualTo(2);

        List<ConsumerRecord<byte[], byte[]>> dlq = KafkaTestSupport.readAll(stack.kafkaBootstrapServers(), "agg.late.dlq");
        assertThat(dlq).singleElement().satisfies(r -> {
            assertThat(new String(r.headers().lastHeader(Topics.ERROR_HEADER).value(), StandardCharsets.UTF_8)).isEqualTo("late");
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains("\"duration_ms\":999.0");
        });
    }

    // 5. Cardinality -------------------------------------------------------------------------------

    @Test
    void namesBeyondTheLimitAreAggregatedUnderOther() throws Exception {
        stack.kafka().createTopics(List.of(new TopicSpec("agg.card", 1)));
        List<MetricEvent> flood = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            flood.add(MetricEvent.request(T0 + i, "ids-in-routes", "GET /user/" + (i % 30), null, 1 + i % 50, 200, "GET"));
        }
        KafkaTestSupport.produceEvents(stack.kafkaBootstrapServers(), "agg.card", flood);

        String db = database("agg_card");
        LocalRunner.run(config("agg.card", db, Duration.ofMinutes(2), 10));

        Map<String, MetricWindow> rows = MetricWindowsTable.read(db);
        List<MetricWindow> named = rows.values().stream().filter(w -> !w.isRollup()).toList();
        assertThat(named).extracting(MetricWindow::name).hasSize(11).contains(ServiceWindows.OTHER);
        MetricWindow other = rows.get(Oracle.key("request", "ids-in-routes", ServiceWindows.OTHER, T0));
        assertThat(other.count()).isEqualTo(20 * 100);
        assertThat(named.stream().mapToLong(MetricWindow::count).sum()).isEqualTo(3_000);
        assertThat(rows.get(Oracle.key("request", "ids-in-routes", "*", T0)).count()).isEqualTo(3_000);
    }

    // 6. Failure and recovery ----------------------------------------------------------------------

    @Test
    void aRunThatFailsAndRecoversEndsWithExactlyTheSameRows() throws Exception {
        String db = database("agg_failure");
        FailOnceAfterCheckpoints.reset();
        PipelineConfig cfg = config("agg.accuracy", db, Duration.ofMinutes(2), 2000);
        LocalRunner.run(cfg, env -> VigilPipeline.build(FailOnceAfterCheckpoints.around(VigilJob.kafkaInput(env, cfg),
                new FailOnceAfterCheckpoints(10_000, 100)), cfg.aggregation(), cfg.rules(), VigilJob.ports(cfg)));

        assertThat(FailOnceAfterCheckpoints.FAILED.get()).as("the failure was injected").isTrue();
        assertThat(FailOnceAfterCheckpoints.CHECKPOINTS.get()).as("after a completed checkpoint").isPositive();
        Map<String, MetricWindow> recovered = MetricWindowsTable.read(db);
        Map<String, MetricWindow> reference = MetricWindowsTable.read(referenceDb);
        assertThat(recovered).hasSameSizeAs(reference);
        reference.forEach((key, row) -> assertThat(recovered.get(key)).as(key).isEqualTo(row));
    }

    // ----------------------------------------------------------------------------------------------

    static MetricEvent request(long ts, double ms) {
        return MetricEvent.request(ts, "late-svc", "GET /late", null, ms, 200, "GET");
    }

    static String database(String name) {
        String url = stack.postgres().createDatabase(name);
        SchemaMigrator.migrate(url);
        return url;
    }

    static PipelineConfig config(String topic, String db, Duration lateness, int maxNames) {
        return PipelineConfig.builder()
                .kafka(stack.kafkaBootstrapServers())
                .eventsTopic(topic)
                .deadLetterTopic(topic + ".dlq")
                .groupId("it-" + db.hashCode() + "-" + System.nanoTime())
                .postgres(db)
                .bounded(true)
                .window(WINDOW)
                .allowedLateness(lateness)
                .maxNamesPerService(maxNames)
                .checkpointInterval(Duration.ofMillis(300))
                .parallelism(2)
                .build();
    }
}
