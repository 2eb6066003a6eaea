package dev.vigil.cli;

import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import dev.vigil.stack.TopicSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(EmbeddedStackExtension.class)
class RunCommandIT {

    @Test
    void boundedRunWritesEveryWindowAndExitsZero(EmbeddedStack stack) throws Exception {
        stack.kafka().createTopics(List.of(new TopicSpec("run.events", 2), new TopicSpec("run.events.dlq", 1)));
        EventCodec codec = new EventCodec();
        long t0 = 1_700_000_000_000L;
        try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", stack.kafkaBootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
            for (int i = 0; i < 600; i++) {
                MetricEvent e = MetricEvent.request(t0 + i * 100L, "api", i % 2 == 0 ? "GET /a" : "GET /b", null,
                        10 + i % 7, i % 50 == 0 ? 500 : 200, "GET");
                sent.add(producer.send(new ProducerRecord<>("run.events", e.service().getBytes(StandardCharsets.UTF_8), codec.encode(e))));
            }
            sent.add(producer.send(new ProducerRecord<>("run.events", "api".getBytes(StandardCharsets.UTF_8),
                    "{broken".getBytes(StandardCharsets.UTF_8))));
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS); // the input is complete, or the test says so here
            }
        }
        String db = stack.postgres().createDatabase("run_command"); // empty: `run` applies the schema itself

        int code = VigilCli.newCommandLine().execute("run", "--kafka", stack.kafkaBootstrapServers(),
                "--postgres", db, "--events-topic", "run.events", "--dlq-topic", "run.events.dlq",
                "--window", "10s", "--bounded", "--parallelism", "2");

        assertThat(code).isZero();
        try (Connection c = DriverManager.getConnection(db);
             ResultSet rs = c.createStatement().executeQuery(
                     "select count(*), sum(count) filter (where name = '*'), sum(errors) filter (where name = '*') from metric_windows")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(6 * 3); // 60 s of events in 10 s windows: two routes + rollup
            assertThat(rs.getLong(2)).isEqualTo(600);
            assertThat(rs.getLong(3)).isEqualTo(12);
        }
        for (String rollups : new String[] {"metric_windows_1h", "metric_windows_1d"}) {
            try (Connection c = DriverManager.getConnection(db);
                 ResultSet rs = c.createStatement().executeQuery(
                         "select count(*), sum(count) filter (where name = '*') from " + rollups)) {
                rs.next();
                assertThat(rs.getLong(1)).as(rollups + ": one period, two routes + rollup").isEqualTo(3);
                assertThat(rs.getLong(2)).as(rollups).isEqualTo(600);
            }
        }
    }

    @Test
    void aBrokenRulesFileIsNamedBeforeTheJobStarts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path rules = dir.resolve("rules.yaml");
        java.nio.file.Files.writeString(rules, "rules:\n  - name: slow\n    type: request\n    metric: p95_ms\n"
                + "    warning: 500\n    critical: 400\n");
        java.io.StringWriter err = new java.io.StringWriter();
        var cli = VigilCli.newCommandLine();
        cli.setErr(new java.io.PrintWriter(err));
        int code = cli.execute("run", "--kafka", "localhost:1", "--postgres", "jdbc:postgresql://localhost:1/x",
                "--rules", rules.toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("vigil run: " + rules
                + ": rule \"slow\" (rules[0]): warning must be below critical for comparison \">\" (warning 500, critical 400)");
    }

    @Test
    void aBadOptionIsRejectedBeforeAnythingStarts() {
        int code = VigilCli.newCommandLine().execute("run", "--kafka", "localhost:1", "--postgres",
                "jdbc:postgresql://localhost:1/x", "--window", "ten seconds");
        assertThat(code).isEqualTo(2);
    }
}
