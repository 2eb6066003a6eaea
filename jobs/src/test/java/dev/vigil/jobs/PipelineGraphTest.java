package dev.vigil.jobs;

import dev.vigil.aggregation.AggregationSettings;
import dev.vigil.aggregation.ServiceWindows;
import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;
import dev.vigil.jobs.kafka.KafkaRecordDecoder;
import dev.vigil.model.AlertEvent;
import dev.vigil.model.DeadLetter;
import dev.vigil.model.Decoded;
import dev.vigil.model.MetricWindow;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
                input.add(KafkaRecordDecoder.decode(codec, "bad-key".getBytes(StandardCharsets.UTF_8), value));
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

    static MetricEvent request(long ts, double ms) {
        return MetricEvent.request(ts, "late-svc", "GET /late", null, ms, 200, "GET");
    }

}
