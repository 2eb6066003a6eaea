package dev.vigil.cli;

import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(EmbeddedStackExtension.class)
class RetentionCommandIT {

    /**
     * 30 days of one series in all three tables, written through vigil_rollup_rows as the migration
     * does. After `vigil retention` the minute rows older than 8 days are gone, the hourly and daily rows
     * all remain, and a 30-day quantile still answers, the same as before, from the hourly rows.
     */
    @Test
    void dropsOldMinutePartitionsKeepsTheRollupsAndSaysWhatItDropped(EmbeddedStack stack) throws SQLException {
        String db = stack.postgres().createDatabase("retention");
        SchemaMigrator.migrate(db);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (Connection c = DriverManager.getConnection(db); Statement st = c.createStatement()) {
            st.execute("""
                    SELECT count(*) FROM vigil_ensure_partitions('metric_windows', date_trunc('day', now()) - interval '29 days', now());
                    INSERT INTO metric_windows (type, service, name, window_start, window_end, count, errors, error_rate,
                                                min_ms, mean_ms, max_ms, latency_hist)
                    SELECT 'request', 'pay', '*', t, t + interval '1 minute', 2, 0, 0, 1, 2, 3,
                           ARRAY[latency_bucket_of_ns(1000000 + (m % 50) * 100000) << 40 | 1,
                                 latency_bucket_of_ns(3000000) << 40 | 1]
                    FROM generate_series(0, 30 * 1440 - 1) AS m,
                         LATERAL (SELECT date_trunc('day', now()) - interval '29 days' + m * interval '1 minute' AS t) w;
                    SELECT count(*) FROM vigil_ensure_partitions('metric_windows_1h', now() - interval '30 days', now());
                    INSERT INTO metric_windows_1h SELECT * FROM vigil_rollup_rows('metric_windows', 'hour', '-infinity', 'infinity');
                    SELECT count(*) FROM vigil_ensure_partitions('metric_windows_1d', now() - interval '30 days', now());
                    INSERT INTO metric_windows_1d SELECT * FROM vigil_rollup_rows('metric_windows_1h', 'day', '-infinity', 'infinity');
                    """);
        }
        String p95From = "SELECT latency_quantile(latency_hist, 0.95) FROM %s WHERE window_start >= now() - interval '30 days'";
        String before = single(db, p95From.formatted("metric_windows"));
        assertThat(single(db, "SELECT count(*) FROM metric_windows")).isEqualTo(String.valueOf(30 * 1440));

        String dry = run("retention", "--postgres", db, "--dry-run");
        assertThat(dry).contains("would drop 21 partitions, " + 21 * 1440 + " rows");
        assertThat(single(db, "SELECT count(*) FROM metric_windows")).as("a dry run drops nothing").isEqualTo(String.valueOf(30 * 1440));

        String out = run("retention", "--postgres", db);

        String oldest = "metric_windows_p" + today.minusDays(29).format(DateTimeFormatter.BASIC_ISO_DATE);
        assertThat(out).contains("metric_windows kept 8d, metric_windows_1h kept 90d, metric_windows_1d kept 1825d")
                .contains("dropped " + oldest + ": 1440 rows, all before " + today.minusDays(28) + "T00:00:00Z")
                .contains("dropped 21 partitions, " + 21 * 1440 + " rows");
        assertThat(single(db, "SELECT count(*) FROM metric_windows")).as("the last 9 days: 8 kept whole, today")
                .isEqualTo(String.valueOf(9 * 1440));
        assertThat(single(db, "SELECT min(window_start) >= now() - interval '9 days' FROM metric_windows")).isEqualTo("t");
        assertThat(single(db, "SELECT count(*) FROM metric_windows_1h")).isEqualTo(String.valueOf(30 * 24));
        assertThat(single(db, "SELECT count(*) FROM metric_windows_1d")).isEqualTo("30");
        assertThat(single(db, p95From.formatted("metric_windows_1h"))).as("30 days still answer, from the hours")
                .isEqualTo(before);

        assertThat(run("retention", "--postgres", db)).as("again: nothing left to drop").contains("dropped 0 partitions, 0 rows");
    }

    /**
     * A job applies the retention only when started with --retention: first a bounded run without it
     * leaves last month's rows alone, then one with it drops them and keeps what is younger.
     */
    @Test
    void aJobDropsOldPartitionsOnlyWhenAskedTo(EmbeddedStack stack) throws Exception {
        String db = stack.postgres().createDatabase("retention_job");
        SchemaMigrator.migrate(db);
        try (Connection c = DriverManager.getConnection(db); Statement st = c.createStatement()) {
            st.execute("""
                    INSERT INTO metric_windows (type, service, name, window_start, window_end, count, errors, error_rate)
                    SELECT 'request', 'old', '*', t, t + interval '10 seconds', 1, 0, 0
                    FROM unnest(ARRAY[date_trunc('day', now()) - interval '20 days',
                                      date_trunc('day', now()) - interval '2 days']) AS t;
                    """);
        }
        stack.kafka().createTopics(java.util.List.of(new dev.vigil.stack.TopicSpec("retention.events", 1),
                new dev.vigil.stack.TopicSpec("retention.events.dlq", 1)));
        long now = System.currentTimeMillis() - 60_000;
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(
                java.util.Map.<String, Object>of("bootstrap.servers", stack.kafkaBootstrapServers()),
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            dev.vigil.events.EventCodec codec = new dev.vigil.events.EventCodec();
            for (int i = 0; i < 10; i++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("retention.events", null,
                        codec.encode(dev.vigil.events.MetricEvent.request(now + i, "new", "GET /", null, 5, 200, "GET"))))
                        .get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        String[] job = {"run", "--kafka", stack.kafkaBootstrapServers(), "--postgres", db,
                "--events-topic", "retention.events", "--dlq-topic", "retention.events.dlq", "--window", "10s",
                "--bounded", "--parallelism", "1"};

        assertThat(VigilCli.newCommandLine().execute(job)).isZero();
        assertThat(single(db, "SELECT count(*) FROM metric_windows WHERE service = 'old'")).as("not asked to").isEqualTo("2");

        String[] withRetention = java.util.Arrays.copyOf(job, job.length + 3);
        withRetention[job.length] = "--retention";
        withRetention[job.length + 1] = "--group-id";
        withRetention[job.length + 2] = "retention-second-run";
        assertThat(VigilCli.newCommandLine().execute(withRetention)).isZero();
        assertThat(single(db, "SELECT count(*) FROM metric_windows WHERE service = 'old'")).as("20 days old: gone")
                .isEqualTo("1");
        assertThat(single(db, "SELECT count(*) FROM metric_windows WHERE window_start < now() - interval '9 days'"))
                .isEqualTo("0");
        assertThat(single(db, "SELECT sum(count) FROM metric_windows WHERE service = 'new' AND name = '*'")).isEqualTo("10");
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = VigilCli.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }

    private static String single(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
