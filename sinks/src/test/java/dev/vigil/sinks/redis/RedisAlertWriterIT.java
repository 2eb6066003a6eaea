package dev.vigil.sinks.redis;

import dev.vigil.model.AlertEvent;
import dev.vigil.stack.EmbeddedRedisServer;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Redis alert writer against a real Redis: storms arrive whole and in order, outages lose nothing. */
class RedisAlertWriterIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    @Test
    void anAlertStormArrivesWholeAndInOrderOnTheChannelsAndTheStream(@TempDir Path dir) throws Exception {
        int port = freePort();
        try (EmbeddedRedisServer server = EmbeddedRedisServer.start(Files.createDirectories(dir.resolve("redis")), port)) {
            RedisUrl url = RedisUrl.parse(server.url());
            List<String> all = Collections.synchronizedList(new ArrayList<>());
            List<String> ofOneService = Collections.synchronizedList(new ArrayList<>());
            try (AlertSubscription a = AlertSubscription.start(url, AlertChannels.ALL, false, all::add);
                 AlertSubscription b = AlertSubscription.start(url, AlertChannels.forService("svc-3"), false, ofOneService::add);
                 RedisAlertWriter writer = new RedisAlertWriter(url, TIMEOUT, List.of(), new UnregisteredMetricsGroup())) {
                int storm = 3 * RedisAlertWriter.MAX_BATCH + 17; // several pipelines, the last one partly full
                for (int i = 0; i < storm; i++) {
                    writer.write(alert(i), null);
                }
                List<String> expectedOfOne = IntStream.range(0, storm).filter(i -> i % 10 == 3).mapToObj(i -> "id-" + i).toList();
                await().atMost(Duration.ofSeconds(30)).until(() -> all.size() >= storm && ofOneService.size() >= expectedOfOne.size());
                assertThat(ids(all)).containsExactlyElementsOf(IntStream.range(0, storm).mapToObj(i -> "id-" + i).toList());
                assertThat(ids(ofOneService)).containsExactlyElementsOf(expectedOfOne);
                try (JedisPooled redis = new JedisPooled(url.uri())) {
                    assertThat(redis.xlen(AlertChannels.STREAM)).isEqualTo(storm);
                }
                // Subscribers may see the last batch a moment before its publisher has Redis's replies.
                await("nothing left to deliver").atMost(Duration.ofSeconds(10))
                        .until(() -> writer.snapshotState(1).isEmpty());
            }
        }
    }

    @Test
    void whileRedisIsDownEveryAlertIsInTheCheckpointAndAllArriveInOrderWhenItIsBack(@TempDir Path dir) throws Exception {
        int port = freePort();
        RedisUrl url = RedisUrl.parse("redis://localhost:" + port);
        int count = RedisAlertWriter.MAX_BATCH + 44;
        List<String> expected = IntStream.range(0, count).mapToObj(i -> "id-" + i).toList();
        try (RedisAlertWriter writer = new RedisAlertWriter(url, TIMEOUT, List.of(), new UnregisteredMetricsGroup())) {
            for (int i = 0; i < count; i++) {
                writer.write(alert(i), null);
            }
            Thread.sleep(300); // the publisher has tried a batch by now, and failed
            assertThat(ids(writer.snapshotState(1))).as("a batch that failed is still in the checkpoint, in order")
                    .containsExactlyElementsOf(expected);

            try (EmbeddedRedisServer server = EmbeddedRedisServer.start(Files.createDirectories(dir.resolve("redis")), port);
                 JedisPooled redis = new JedisPooled(url.uri())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.snapshotState(2).isEmpty());
                List<String> stream = redis.xrange(AlertChannels.STREAM, (StreamEntryID) null, (StreamEntryID) null).stream()
                        .map(e -> e.getFields().get(AlertChannels.STREAM_FIELD)).toList();
                assertThat(ids(stream)).as("delivered once each, in order").containsExactlyElementsOf(expected);
            }
        }
    }

    private static List<String> ids(List<String> payloads) {
        return payloads.stream().map(p -> AlertPayload.fromJson(p).alertId()).toList();
    }

    private static AlertEvent alert(int i) {
        long start = 1_700_000_000_000L + i * 60_000L;
        return new AlertEvent("id-" + i, AlertEvent.FIRING, "request-p95", "critical", "request", "svc-" + (i % 10),
                "GET /cart/{id}", "p95_ms", 612.5, 500, start, start + 60_000L, start, "summary " + i);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
