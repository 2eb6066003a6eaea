package dev.vigil.jobs;

import dev.vigil.aggregation.AggregationSettings;
import dev.vigil.aggregation.ServiceWindows;
import dev.vigil.events.EventBatch;
import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;
import dev.vigil.jobs.kafka.EventTimeLimits;
import dev.vigil.jobs.kafka.KafkaRecordDecoder;
import dev.vigil.model.AlertEvent;
import dev.vigil.model.DeadLetter;
import dev.vigil.model.Decoded;
import dev.vigil.model.MetricWindow;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The whole graph in memory: bounded input in, window rows, alert transitions and dead letters
 * collected, no service running. The same behaviours the integration tests prove against Kafka,
 * PostgreSQL and Redis, in seconds.
 */
class PipelineGraphTest {

    static final long T0 = 1_700_000_000_000L;
    static final Duration WINDOW = Duration.ofSeconds(10);
    static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(5);
    static final double[] QS = {0.50, 0.90, 0.95, 0.99, 0.999};

    static AggregationSettings settings(Duration lateness, int maxNames) {
        return new AggregationSettings(WINDOW, lateness, maxNames, AggregationSettings.DEFAULT_MAX_BUFFERED_PARTIALS);
    }

    static List<Decoded> valid(List<MetricEvent> events) {
        return events.stream().map(Decoded::valid).toList();
    }

    @Test
    void everyRowMatchesTheExactOracle() throws Exception {
        List<MetricEvent> events = Workload.generate(17, 40_000, T0, 60_000);
        InMemoryPipeline.Result result = InMemoryPipeline.run(valid(events), settings(Duration.ofMinutes(2), 2000),
                OUT_OF_ORDERNESS, 2);

        Map<String, Oracle.Expected> expected = Oracle.expect(events, WINDOW.toMillis());
        Map<String, MetricWindow> rows = result.rows();
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Oracle.Expected x : expected.values()) {
            MetricWindow row = rows.get(x.key());
            assertThat(row.count()).as(x.key()).isEqualTo(x.count);
            assertThat(row.errors()).as(x.key()).isEqualTo(x.errors);
            if (x.type.equals("cache")) {
                assertThat(row.hits()).as(x.key()).isEqualTo(x.hits);
                assertThat(row.misses()).as(x.key()).isEqualTo(x.misses);
            }
            if (!x.type.equals("cache")) {
                assertThat(row.minMs()).as(x.key()).isEqualTo(x.quantile(0.0));
                assertThat(row.maxMs()).as(x.key()).isEqualTo(x.quantile(1.0));
                double[] got = {row.p50Ms(), row.p90Ms(), row.p95Ms(), row.p99Ms(), row.p999Ms()};
                for (int i = 0; i < QS.length; i++) {
                    double exact = x.quantile(QS[i]);
                    assertThat(got[i]).as(x.key() + " q" + QS[i]).isCloseTo(exact, within(exact * 0.01));
                }
            }
        }
        assertThat(result.deadLetters()).isEmpty();
    }

    @Test
    void aLateEventWithinTheLatenessUpdatesTheRowAndOneBeyondIsADeadLetter() throws Exception {
        List<MetricEvent> sequence = List.of(
                request(T0 + 1_000, 10),        // window [T0, T0+10s)
                request(T0 + 25_000, 10),       // watermark passes T0+10s: the window fires with count 1
                request(T0 + 2_000, 20),        // late, within the 30 s lateness: re-fires with count 2
                request(T0 + 60_000, 10),       // watermark passes T0+10s+30s: the window is closed
                request(T0 + 3_000, 999));      // too late: dead letter, row unchanged
        InMemoryPipeline.Result result = InMemoryPipeline.run(valid(sequence), settings(Duration.ofSeconds(30), 2000),
                OUT_OF_ORDERNESS, 1);

        assertThat(result.windowVersions().stream()
                .filter(w -> w.windowStart() == T0 && w.name().equals("GET /late")).map(MetricWindow::count).toList())
                .as("fired on time, then again for the late event").containsExactly(1L, 2L);
        MetricWindow row = result.rows().get(Oracle.key("request", "late-svc", "GET /late", T0));
        assertThat(row.count()).isEqualTo(2);
        assertThat(row.maxMs()).isEqualTo(20.0);
        assertThat(result.rows().get(Oracle.key("request", "late-svc", "*", T0)).count()).isEqualTo(2);
        assertThat(result.deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetter.LATE);
            assertThat(new String(d.value(), StandardCharsets.UTF_8)).contains("\"duration_ms\":999.0");
        });
    }

    @Test
    void aLateEventsDeadLetterIsTheRecordAsItArrived() throws Exception {
        long now = T0 + 60_000;
        // Unusual but valid formatting: spaces, another key order, an unknown field, an integer duration.
        String lateJson = "{ \"name\": \"GET /late\", \"ts\": " + (T0 + 3_000) + ", \"type\": \"request\", "
                + "\"service\": \"late-svc\", \"status\": 200, \"duration_ms\": 999, \"trace\": {\"id\": 7} }";
        List<Decoded> input = new ArrayList<>(valid(List.of(request(T0 + 1_000, 10), request(T0 + 60_000, 10))));
        input.add(decode(now, "late-key", lateJson));
        InMemoryPipeline.Result result = InMemoryPipeline.run(input, settings(Duration.ofSeconds(30), 2000),
                OUT_OF_ORDERNESS, 1, Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC));

        assertThat(result.deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetter.LATE);
            assertThat(d.value()).isEqualTo(lateJson.getBytes(StandardCharsets.UTF_8));
            assertThat(d.key()).isEqualTo("late-key".getBytes(StandardCharsets.UTF_8));
        });
    }

    /**
     * One producer with a broken clock: an event from the year 3000 and a burst stamped 5 minutes ahead
     * (within the allowed skew), between two halves of ordinary traffic on the same partition. Before,
     * the watermark followed the newest event time: the year-3000 event sat in state and the burst made
     * every later ordinary event late. Now the first is a dead letter with its reason, the burst is
     * counted in its own window, and every ordinary window is exact.
     */
    @Test
    void aProducerWithABrokenClockCostsNoOrdinaryEvent() throws Exception {
        long now = T0 + 100_000;
        List<MetricEvent> firstHalf = new ArrayList<>();
        List<MetricEvent> secondHalf = new ArrayList<>();
        for (int w = 0; w < 10; w++) {
            for (int i = 0; i < 100; i++) {
                (w < 5 ? firstHalf : secondHalf).add(MetricEvent.request(T0 + w * 10_000L + i * 50L, "svc", "GET /x",
                        null, 5 + i % 10, 200, "GET"));
            }
        }
        long year3000 = Instant.parse("3000-01-01T00:00:00Z").toEpochMilli();
        String brokenJson = "{\"type\":\"request\",\"ts\":" + year3000
                + ",\"service\":\"svc\",\"name\":\"GET /x\",\"duration_ms\":5,\"status\":200}";
        List<Decoded> input = new ArrayList<>(encodeAndDecode(now, firstHalf));
        input.add(decode(now, "svc", brokenJson));
        List<MetricEvent> burst = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            burst.add(MetricEvent.request(now + 300_000 + i, "svc", "GET /x", null, 7, 200, "GET"));
        }
        input.addAll(encodeAndDecode(now, burst));
        input.addAll(encodeAndDecode(now, secondHalf));

        InMemoryPipeline.Result result = InMemoryPipeline.run(input, settings(Duration.ofMinutes(2), 2000),
                Duration.ZERO, 1, Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC));

        Map<String, MetricWindow> rows = result.rows();
        for (int w = 0; w < 10; w++) {
            assertThat(rows.get(Oracle.key("request", "svc", "GET /x", T0 + w * 10_000L)).count())
                    .as("ordinary window " + w).isEqualTo(100);
        }
        long burstWindow = windowStart(now + 300_000, WINDOW.toMillis());
        assertThat(rows.get(Oracle.key("request", "svc", "GET /x", burstWindow)).count()).as("the burst").isEqualTo(50);
        assertThat(rows).hasSize(2 * 11);  // 11 windows, each a series row and a rollup
        assertThat(result.deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo("ts is 976 years in the future (max skew 10m)");
            assertThat(d.value()).isEqualTo(brokenJson.getBytes(StandardCharsets.UTF_8));
        });
    }

    @Test
    void aMaxEventAgeRefusesOlderEventsAndOnlyThose() throws Exception {
        long now = T0 + 8 * 86_400_000L;
        EventTimeLimits lastWeekOnly = new EventTimeLimits(EventTimeLimits.DEFAULT_MAX_FUTURE_SKEW, Duration.ofDays(7));
        List<Decoded> input = new ArrayList<>();
        for (MetricEvent e : List.of(request(T0, 10), request(now - 3_600_000, 20))) {
            input.add(KafkaRecordDecoder.decode(new EventCodec(), lastWeekOnly, now, null, new EventCodec().encode(e)));
        }
        InMemoryPipeline.Result result = InMemoryPipeline.run(input, settings(Duration.ofMinutes(2), 2000),
                OUT_OF_ORDERNESS, 1, Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC));

        assertThat(result.rows().values()).extracting(MetricWindow::windowStart).containsOnly(
                windowStart(now - 3_600_000, WINDOW.toMillis()));
        assertThat(result.deadLetters()).extracting(DeadLetter::reason)
                .containsExactly("ts is 8 days old (max event age 7d)");
    }

    static Decoded decode(long now, String key, String json) {
        return KafkaRecordDecoder.decode(new EventCodec(), EventTimeLimits.DEFAULTS, now,
                key.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    static List<Decoded> encodeAndDecode(long now, List<MetricEvent> events) {
        EventCodec codec = new EventCodec();
        return events.stream().map(e -> KafkaRecordDecoder.decode(codec, EventTimeLimits.DEFAULTS, now,
                e.service().getBytes(StandardCharsets.UTF_8), codec.encode(e))).toList();
    }

    @Test
    void batchedRecordsGiveTheSameRowsAsOneEventPerRecordAndABadEventInABatchIsTheOnlyDeadLetter() throws Exception {
        long now = T0 + 120_000;
        List<MetricEvent> events = Workload.generate(5, 6_000, T0, 60_000);
        InMemoryPipeline.Result single = InMemoryPipeline.run(encodeAndDecode(now, events),
                settings(Duration.ofMinutes(2), 2000), OUT_OF_ORDERNESS, 2);

        // The same events as the agent sends them: per service and instance, 50 to a record.
        EventCodec codec = new EventCodec();
        Map<String, EventBatch.Writer> writers = new java.util.LinkedHashMap<>();
        List<Decoded> input = new ArrayList<>();
        int records = 0;
        for (MetricEvent e : events) {
            EventBatch.Writer w = writers.computeIfAbsent(e.service() + "/" + e.instance(),
                    k -> new EventBatch.Writer(e.service(), e.instance()));
            w.add(e);
            if (w.size() == 25 && records == 7) { // one broken event inside the eighth record
                w.add((byte) 0, T0 + 1, "GET /broken", 1_000_000, false, 700, false, (byte) -1, 0);
            }
            if (w.size() >= 50) {
                KafkaRecordDecoder.decodeRecord(codec, EventTimeLimits.DEFAULTS, now,
                        e.service().getBytes(StandardCharsets.UTF_8), w.finish(), input::add);
                records++;
            }
        }
        for (var entry : writers.entrySet()) {
            if (entry.getValue().size() > 0) {
                KafkaRecordDecoder.decodeRecord(codec, EventTimeLimits.DEFAULTS, now, null, entry.getValue().finish(),
                        input::add);
                records++;
            }
        }
        assertThat(input).hasSize(events.size() + 1);
        assertThat(records).isLessThan(events.size() / 40);
        InMemoryPipeline.Result batched = InMemoryPipeline.run(input, settings(Duration.ofMinutes(2), 2000),
                OUT_OF_ORDERNESS, 2);

        assertThat(batched.rows()).isEqualTo(single.rows());
        assertThat(batched.rollups()).isEqualTo(single.rollups());
        assertThat(single.deadLetters()).isEmpty();
        assertThat(batched.deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo("status must be between 100 and 599, got 700");
            List<String> reasons = new ArrayList<>();
            EventBatch.read(d.value(), new EventBatch.Sink() {
                @Override
                public void event(MetricEvent event, EventBatch.Alone alone) {
                    reasons.add("valid " + event);
                }

                @Override
                public void invalid(byte[] value, String reason) {
                    reasons.add(reason);
                }
            });
            assertThat(reasons).as("the dead letter holds the broken event alone").containsExactly(d.reason());
        });
    }

    @Test
    void badRecordsBecomeDeadLettersWithTheirReasonAndGoodOnesAreExact() throws Exception {
        List<MetricEvent> good = Workload.generate(3, 2_000, T0, 30_000);
        EventCodec codec = new EventCodec();
        List<String> bad = List.of(
                "not json at all",
                "{\"type\":\"request\",\"service\":\"checkout\",\"name\":\"GET /\",\"duration_ms\":1,\"status\":200}",
                "{\"type\":\"request\",\"ts\":" + (T0 + 5) + ",\"service\":\"checkout\",\"name\":\"GET /\",\"duration_ms\":1,\"status\":700}");
        List<Decoded> input = new ArrayList<>();
        for (int i = 0; i < good.size(); i++) {
            input.add(Decoded.valid(good.get(i)));
            if (i % 500 == 0) {
                byte[] value = bad.get((i / 500) % bad.size()).getBytes(StandardCharsets.UTF_8);
                input.add(KafkaRecordDecoder.decode(codec, EventTimeLimits.DEFAULTS, System.currentTimeMillis(),
                        "bad-key".getBytes(StandardCharsets.UTF_8), value));
            }
        }
        InMemoryPipeline.Result result = InMemoryPipeline.run(input, settings(Duration.ofMinutes(2), 2000),
                OUT_OF_ORDERNESS, 2);

        Map<String, Oracle.Expected> expected = Oracle.expect(good, WINDOW.toMillis());
        Map<String, MetricWindow> rows = result.rows();
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.values().forEach(x -> assertThat(rows.get(x.key()).count()).as(x.key()).isEqualTo(x.count));
        assertThat(result.deadLetters()).extracting(DeadLetter::reason).containsExactlyInAnyOrder(
                "not valid JSON: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                "missing field \"ts\"",
                "status must be between 100 and 599, got 700",
                "not valid JSON: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
    }

    @Test
    void namesBeyondTheLimitAreAggregatedUnderOther() throws Exception {
        List<MetricEvent> flood = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            flood.add(MetricEvent.request(T0 + i, "ids-in-routes", "GET /user/" + (i % 30), null, 1 + i % 50, 200, "GET"));
        }
        InMemoryPipeline.Result result = InMemoryPipeline.run(valid(flood), settings(Duration.ofMinutes(2), 10),
                OUT_OF_ORDERNESS, 2);

        Map<String, MetricWindow> rows = result.rows();
        List<MetricWindow> named = rows.values().stream().filter(w -> !w.isRollup()).toList();
        assertThat(named).extracting(MetricWindow::name).hasSize(11).contains(ServiceWindows.OTHER);
        assertThat(rows.get(Oracle.key("request", "ids-in-routes", ServiceWindows.OTHER, T0)).count()).isEqualTo(20 * 100);
        assertThat(named.stream().mapToLong(MetricWindow::count).sum()).isEqualTo(3_000);
        assertThat(rows.get(Oracle.key("request", "ids-in-routes", "*", T0)).count()).isEqualTo(3_000);
    }

    @Test
    void scriptedIncidentsCauseExactlyTheExpectedAlertTransitions() throws Exception {
        List<MetricEvent> incidents = new ArrayList<>(AlertingIT.incidents());
        incidents.sort(Comparator.comparingLong(MetricEvent::ts)); // nothing late: every window is judged
        InMemoryPipeline.Result result = InMemoryPipeline.run(valid(incidents),
                new AggregationSettings(Duration.ofMillis(AlertingIT.W), Duration.ofMinutes(2), 2000,
                        AggregationSettings.DEFAULT_MAX_BUFFERED_PARTIALS),
                OUT_OF_ORDERNESS, 2);

        assertThat(result.alerts().stream().map(AlertingIT::describe).toList())
                .containsExactlyInAnyOrderElementsOf(AlertingIT.EXPECTED);
        AlertEvent firing = result.alerts().stream()
                .filter(a -> a.name().equals("GET /slow") && a.event().equals(AlertEvent.FIRING)).findFirst().orElseThrow();
        assertThat(firing.value()).isEqualTo(450.0);
        assertThat(firing.startedAt()).isEqualTo(AlertingIT.T0 + 3 * AlertingIT.W);
    }

    static long windowStart(long ts, long windowMs) {
        return ts - Math.floorMod(ts, windowMs);
    }

    static MetricEvent request(long ts, double ms) {
        return MetricEvent.request(ts, "late-svc", "GET /late", null, ms, 200, "GET");
    }

}
