package dev.vigil.cli;

import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.stack.TopicSpec;
import dev.vigil.testing.EmbeddedStackExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code vigil run} as a user runs it, a process of its own, stopped and started again: a window open at
 * the stop is exact after the restart, whether the stop was SIGTERM (savepoint) or SIGKILL (last
 * retained checkpoint); {@code --fresh} starts without the state.
 */
@ExtendWith(EmbeddedStackExtension.class)
class RunStateIT {

    static final long T0 = 1_700_000_000_000L; // a multiple of the 10 s window
    static final int HALF = 1_500;

    static EmbeddedStack stack;

    @BeforeAll
    static void shareStack(EmbeddedStack shared) {
        stack = shared;
    }

    @Test
    void sigtermStopsWithASavepointAndTheOpenWindowIsExactAfterTheRestart(@TempDir Path dir) throws Exception {
        Scenario s = new Scenario("state-term", dir);
        Process first = s.startAndFillWindowOneAndHalfOfTwo();
        first.destroy();                              // SIGTERM
        assertThat(first.waitFor(90, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
        assertThat(first.exitValue()).isZero();
        assertThat(s.log()).contains("starting without state", "savepoint ")
                .as("the password of the --postgres URL is in no log line").doesNotContain("password=vigil");

        Process second = s.restartWithTheRestOfWindowTwo();
        try {
            assertThat(s.log()).contains("restoring state from " + dir.resolve("state").resolve("state-term")
                    .resolve("savepoints"));
            assertThat(s.count(T0 + 10_000)).as("exact, not more: nothing read twice").isEqualTo(2 * HALF);
            assertThat(s.count(T0)).isEqualTo(HALF);
            s.assertRollupsExact();
        } finally {
            second.destroy();
            second.waitFor(90, TimeUnit.SECONDS);
        }
    }

    @Test
    void afterSigkillTheNextRunRestoresTheLastCheckpointAndTheRowsAreExact(@TempDir Path dir) throws Exception {
        Scenario s = new Scenario("state-kill", dir);
        Process first = s.startAndFillWindowOneAndHalfOfTwo();
        first.destroyForcibly();                      // SIGKILL: no savepoint, no cleanup
        first.waitFor(30, TimeUnit.SECONDS);

        Process second = s.restartWithTheRestOfWindowTwo();
        try {
            assertThat(s.log()).contains("restoring state from " + dir.resolve("state").resolve("state-kill")
                    .resolve("checkpoints"));
            assertThat(s.count(T0 + 10_000)).isEqualTo(2 * HALF);
            assertThat(s.count(T0)).isEqualTo(HALF);
            s.assertRollupsExact();
        } finally {
            second.destroy();
            second.waitFor(90, TimeUnit.SECONDS);
        }

        Path kept = dir.resolve("state").resolve("state-kill");
        List<Path> before = new ArrayList<>();
        for (String folder : List.of("checkpoints", "savepoints")) {
            try (var list = Files.list(kept.resolve(folder))) {
                list.forEach(before::add);
            }
        }
        assertThat(before).as("checkpoints and savepoints kept of the runs so far").isNotEmpty();
        Process fresh = s.start("--fresh");
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> s.freshRunLog().contains("running the pipeline"));
            assertThat(s.freshRunLog()).contains("starting without state").doesNotContain("restoring state from");
            assertThat(before).as("--fresh discarded the earlier runs' state").noneMatch(Files::exists);
        } finally {
            fresh.destroy();
            fresh.waitFor(90, TimeUnit.SECONDS);
        }
    }

    static List<MetricEvent> events(long from, int n) {
        List<MetricEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(MetricEvent.request(from + i * (5_000L / Math.max(1, n)), "svc", "GET /x", null, 1 + i % 20, 200, "GET"));
        }
        return events;
    }

    /** One job identity: its topic, database, state folder and the log of every run of it. */
    static final class Scenario {
        final String name;
        final String topic;
        final String db;
        final Path dir;
        final Path log;
        final EventCodec codec = new EventCodec();

        Scenario(String name, Path dir) throws Exception {
            this.name = name;
            this.dir = dir;
            this.topic = name + ".events";
            this.log = dir.resolve("run.log");
            stack.kafka().createTopics(List.of(new TopicSpec(topic, 1), new TopicSpec(topic + ".dlq", 1)));
            this.db = stack.postgres().createDatabase(name.replace('-', '_'));
        }

        Process start(String... extra) throws Exception {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                    "-cp", System.getProperty("java.class.path"),
                    "-Dlog4j2.configurationFile=classpath:vigil-log4j2.xml",
                    VigilCli.class.getName(), "run", "--kafka", stack.kafkaBootstrapServers(), "--postgres", db,
                    "--events-topic", topic, "--dlq-topic", topic + ".dlq", "--group-id", name,
                    "--state-dir", dir.resolve("state").toString(), "--window", "10s", "--out-of-orderness", "0s",
                    "--checkpoint-interval", "1s", "--parallelism", "1"));
            command.addAll(List.of(extra));
            Files.writeString(log, (Files.exists(log) ? Files.readString(log) : "") + "\n" + String.join(" ", extra)
                    + " run\n");
            return new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        }

        /** Window 1 complete and written, the first half of window 2 read and checkpointed. */
        Process startAndFillWindowOneAndHalfOfTwo() throws Exception {
            Process run = start();
            try {
                produce(events(T0, HALF));            // window 1, complete once window 2 begins
                produce(events(T0 + 10_000, HALF));   // first half of window 2
                awaitCount(T0, HALF);                 // window 1 written: the job has read it all
                Thread.sleep(3_000);                  // a few checkpoints (every second)
                return run;
            } catch (RuntimeException | InterruptedException e) {
                run.destroyForcibly();
                throw e;
            }
        }

        /** The second half of window 2 and an event past it; a new run; window 2 written. */
        Process restartWithTheRestOfWindowTwo() throws Exception {
            produce(events(T0 + 15_000, HALF));
            produce(events(T0 + 25_000, 1));          // moves event time past window 2
            produce(events(T0 + 3_600_000, 1));       // and past the hour: its rollup rows come out
            Process run = start();
            try {
                awaitCount(T0 + 10_000, 2 * HALF);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> rollup("metric_windows_1h") > 0);
                Thread.sleep(1_000);                  // anything read twice would show now
                return run;
            } catch (RuntimeException | InterruptedException e) {
                run.destroyForcibly();
                throw e;
            }
        }

        String log() throws Exception {
            return Files.readString(log);
        }

        String freshRunLog() throws Exception {
            String all = log();
            return all.substring(all.lastIndexOf("--fresh run"));
        }

        void produce(List<MetricEvent> events) {
            try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", stack.kafkaBootstrapServers()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (MetricEvent e : events) {
                    producer.send(new ProducerRecord<>(topic, e.service().getBytes(StandardCharsets.UTF_8), codec.encode(e)));
                }
            }
        }

        void awaitCount(long windowStart, long expected) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> count(windowStart) >= expected);
        }

        /** The count of GET /x in the hour (or day) of T0, 0 before its row exists. */
        long rollup(String table) throws Exception {
            try (Connection c = DriverManager.getConnection(db);
                 PreparedStatement ps = c.prepareStatement("select count from " + table
                         + " where name = 'GET /x' and window_start <= ? and window_end > ?")) {
                ps.setObject(1, OffsetDateTime.ofInstant(Instant.ofEpochMilli(T0), ZoneOffset.UTC));
                ps.setObject(2, OffsetDateTime.ofInstant(Instant.ofEpochMilli(T0), ZoneOffset.UTC));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0;
                }
            } catch (java.sql.SQLException e) {
                return 0;
            }
        }

        /** The hour and the day so far hold windows 1 to 3 exactly once, across the restart. */
        void assertRollupsExact() throws Exception {
            assertThat(rollup("metric_windows_1h")).as("the hour: windows 1, 2 and 3, each once").isEqualTo(3 * HALF + 1);
            assertThat(rollup("metric_windows_1d")).as("the day so far").isEqualTo(3 * HALF + 1);
        }

        long count(long windowStart) throws Exception {
            try (Connection c = DriverManager.getConnection(db);
                 PreparedStatement ps = c.prepareStatement(
                         "select count from metric_windows where name = 'GET /x' and window_start = ?")) {
                ps.setObject(1, OffsetDateTime.ofInstant(Instant.ofEpochMilli(windowStart), ZoneOffset.UTC));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0;
                }
            } catch (java.sql.SQLException e) {
                return 0; // the schema may not be there yet
            }
        }
    }
}
