package dev.vigil.jobs;

import dev.vigil.events.MetricEvent;
import dev.vigil.model.AlertEvent;
import dev.vigil.sinks.redis.AlertChannels;
import dev.vigil.sinks.redis.AlertPayload;
import dev.vigil.stack.EmbeddedRedisServer;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis away for 45 s while alerts fire and resolve: the job keeps running, the {@code alerts} table gets
 * every transition meanwhile, and every transition of the outage reaches Redis once it is back.
 */
@ExtendWith(EmbeddedStackExtension.class)
@Execution(ExecutionMode.CONCURRENT) // waits out its outage beside the other ITs (jobs/pom.xml)
class RedisOutageIT {

    static final String TOPIC = "redis_outage.events"; // RunningJob names it after the database

    @Test
    void alertsOfARedisOutageArePublishedWhenRedisIsBackAndTheJobNeverStops(EmbeddedStack stack, @TempDir Path dir)
            throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EmbeddedRedisServer redis = EmbeddedRedisServer.start(Files.createDirectories(dir.resolve("redis-1")), port);
        PipelineConfig cfg = RunningJob.configure(stack, "redis_outage").redis("redis://localhost:" + port)
                .window(Duration.ofMillis(AlertingIT.W)).build();
        String db = cfg.postgres().jdbc();
        JobClient job = LocalRunner.startKeepingState(cfg, StateFolder.open(dir.resolve("state"), "redis-outage-it"),
                Optional.empty());
        try {
            List<MetricEvent> incidents = AlertingIT.incidents();
            KafkaTestSupport.produceEvents(stack.kafkaBootstrapServers(), TOPIC, window(incidents, 0, 7));
            await().atMost(Duration.ofSeconds(60)).until(() -> described(AlertingIT.alertsTable(db)).stream()
                    .anyMatch(a -> a.endsWith("@6")));

            redis.close();                                            // the outage begins
            long down = System.nanoTime();
            KafkaTestSupport.produceEvents(stack.kafkaBootstrapServers(), TOPIC, window(incidents, 8, 15));
            KafkaTestSupport.produceEvents(stack.kafkaBootstrapServers(), TOPIC, List.of(
                    MetricEvent.request(AlertingIT.T0 + 20 * AlertingIT.W, "closer", "GET /", null, 1, 200, "GET")));
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    described(AlertingIT.alertsTable(db)).containsAll(AlertingIT.EXPECTED));
            Thread.sleep(Math.max(0, 45_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - down)));
            assertThat(job.getJobStatus().get()).as("45 s without Redis").isEqualTo(JobStatus.RUNNING);
            assertThat(described(AlertingIT.alertsTable(db))).as("the table never waited for Redis")
                    .containsExactlyInAnyOrderElementsOf(AlertingIT.EXPECTED);

            redis = EmbeddedRedisServer.start(Files.createDirectories(dir.resolve("redis-2")), port); // back, empty
            Set<String> ofTheOutage = AlertingIT.EXPECTED.stream()
                    .filter(a -> Integer.parseInt(a.substring(a.lastIndexOf('@') + 1)) >= 8)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(ofTheOutage).isNotEmpty();
            try (JedisPooled jedis = new JedisPooled(URI.create("redis://localhost:" + port))) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                        streamed(jedis).containsAll(ofTheOutage));
            }
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
            redis.close();
        }
    }

    static List<MetricEvent> window(List<MetricEvent> events, int first, int last) {
        return events.stream().filter(e -> {
            long w = (e.ts() - AlertingIT.T0) / AlertingIT.W;
            return w >= first && w <= last;
        }).toList();
    }

    static Set<String> described(List<AlertEvent> alerts) {
        return alerts.stream().map(AlertingIT::describe).collect(Collectors.toCollection(TreeSet::new));
    }

    static Set<String> streamed(JedisPooled jedis) {
        return jedis.xrange(AlertChannels.STREAM, (StreamEntryID) null, (StreamEntryID) null).stream()
                .map(e -> AlertingIT.describe(AlertPayload.fromJson(e.getFields().get("alert"))))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
