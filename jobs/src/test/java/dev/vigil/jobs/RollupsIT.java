package dev.vigil.jobs;

import dev.vigil.events.MetricEvent;
import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.stack.TopicSpec;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A bounded run over 30 days of event time through real Kafka and PostgreSQL: every hourly and daily
 * row equals the merge of its minute rows as PostgreSQL computes it (counts, histogram, quantile
 * columns), and the rollups' quantiles are within 1% of the raw events'.
 */
@ExtendWith(EmbeddedStackExtension.class)
class RollupsIT {

    static final long DAY0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    static final long DAYS = 30;
    static final int EVENTS = 60_000;

    static List<MetricEvent> events;
    static String db;

    @BeforeAll
    static void run(EmbeddedStack stack) throws Exception {
        stack.kafka().createTopics(List.of(new TopicSpec("rollups", 2), new TopicSpec("rollups.dlq", 1)));
        events = Workload.generate(23, EVENTS, DAY0, DAYS * 86_400_000L);
        KafkaTestSupport.produceEvents(stack.kafkaBootstrapServers(), "rollups", events);
        db = stack.postgres().createDatabase("rollups");
        SchemaMigrator.migrate(db);
        LocalRunner.run(PipelineConfig.builder()
                .kafka(stack.kafkaBootstrapServers()).eventsTopic("rollups").deadLetterTopic("rollups.dlq")
                .groupId("rollups-it").postgres(db).bounded(true)
                .window(Duration.ofMinutes(1)).allowedLateness(Duration.ofMinutes(2))
                .checkpointInterval(Duration.ofSeconds(1)).parallelism(2)
                .build());
    }

    @Test
    void everyRollupRowIsTheMergeOfItsMinuteRows() throws SQLException {
        for (String[] level : new String[][] {{"metric_windows_1h", "metric_windows", "hour"},
                {"metric_windows_1d", "metric_windows", "day"}, {"metric_windows_1d", "metric_windows_1h", "day"}}) {
            String sql = """
                    SELECT count(*) FILTER (WHERE r.count IS NULL OR m.count IS NULL) AS missing,
                           count(*) FILTER (WHERE r.count <> m.count OR r.errors <> m.errors
                               OR r.hits IS DISTINCT FROM m.hits OR r.misses IS DISTINCT FROM m.misses
                               OR r.latency_hist IS DISTINCT FROM m.latency_hist
                               OR r.latency_hist_index IS DISTINCT FROM m.latency_hist_index
                               OR r.latency_hist_subindex IS DISTINCT FROM m.latency_hist_subindex
                               OR r.min_ms IS DISTINCT FROM m.min_ms OR r.max_ms IS DISTINCT FROM m.max_ms
                               OR r.p50_ms IS DISTINCT FROM m.p50_ms OR r.p90_ms IS DISTINCT FROM m.p90_ms
                               OR r.p95_ms IS DISTINCT FROM m.p95_ms OR r.p99_ms IS DISTINCT FROM m.p99_ms
                               OR r.p999_ms IS DISTINCT FROM m.p999_ms
                               OR abs(r.mean_ms - m.mean_ms) > 1e-9 * m.mean_ms) AS different,
                           count(*) AS rows, sum(r.count) AS events
                    FROM %s r
                    FULL JOIN vigil_rollup_rows('%s', '%s', '-infinity', 'infinity') m
                        USING (type, service, name, window_start, window_end)""".formatted(level[0], level[1], level[2]);
            Map<String, Long> got = single(sql);
            assertThat(got.get("missing")).as(level[0] + " vs merged " + level[1] + ": rows on one side only").isZero();
            assertThat(got.get("different")).as(level[0] + " vs merged " + level[1] + ": rows that differ").isZero();
            assertThat(got.get("events")).as("each event once per series and once in its service's '*' row")
                    .isEqualTo(2L * EVENTS);
        }
        assertThat(single("SELECT count(*) AS days FROM metric_windows_1d WHERE name = '*'").get("days"))
                .as("30 days x (services x types)").isEqualTo(DAYS * Workload.SERVICES.length * 4);
    }

    @Test
    void thirtyDaysOfQuantilesFromTheRollupsAreThoseOfTheMinuteRowsAndWithinOnePercentOfTheEvents() throws SQLException {
        String fromMinutes = "SELECT latency_hist_quantiles(latency_merge(latency_hist), ARRAY[0.5, 0.95, 0.99]) "
                + "FROM metric_windows WHERE service = ? AND type = 'request' AND name = '*'";
        String fromHours = fromMinutes.replace("FROM metric_windows ", "FROM metric_windows_1h ");
        String fromDays = fromMinutes.replace("FROM metric_windows ", "FROM metric_windows_1d ");
        // three passes through the sub-indexes the job wrote (schema v13)
        String throughHours = "SELECT quantiles FROM latency_quantiles_of('metric_windows_1h', '-infinity', 'infinity', "
                + "ARRAY[0.5, 0.95, 0.99], ?, 'request', '*')";
        String throughDays = throughHours.replace("'metric_windows_1h'", "'metric_windows_1d'");
        try (Connection c = DriverManager.getConnection(db)) {
            for (String service : Workload.SERVICES) {
                double[] minutes = quantiles(c, fromMinutes, service);
                assertThat(quantiles(c, fromHours, service)).as(service + " from hours").containsExactly(minutes);
                assertThat(quantiles(c, fromDays, service)).as(service + " from days").containsExactly(minutes);
                assertThat(quantiles(c, throughHours, service)).as(service + " through the hours' sub-indexes").containsExactly(minutes);
                assertThat(quantiles(c, throughDays, service)).as(service + " through the days' sub-indexes").containsExactly(minutes);
                double[] exact = events.stream().filter(e -> e.service().equals(service) && e.type().wireName().equals("request"))
                        .mapToDouble(MetricEvent::durationMs).sorted().toArray();
                double[] qs = {0.5, 0.95, 0.99};
                for (int i = 0; i < qs.length; i++) {
                    double x = exact[(int) Math.max(1, Math.ceil(qs[i] * exact.length)) - 1];
                    assertThat(minutes[i]).as(service + " q" + qs[i]).isCloseTo(x, within(x * 0.01));
                }
            }
        }
    }

    private static double[] quantiles(Connection c, String sql, String service) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, service);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Double[] values = (Double[]) rs.getArray(1).getArray();
                double[] out = new double[values.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = values[i];
                }
                return out;
            }
        }
    }

    private static Map<String, Long> single(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            Map<String, Long> out = new java.util.LinkedHashMap<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                out.put(rs.getMetaData().getColumnLabel(i), rs.getLong(i));
            }
            return out;
        }
    }
}
