package dev.vigil.sinks.redis;

import dev.vigil.model.AlertEvent;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPooled;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * Hands alerts to a publisher thread so the task thread never waits for Redis; what is not delivered
 * yet is snapshotted with every checkpoint. See {@link RedisAlertSink}.
 */
final class RedisAlertWriter implements StatefulSinkWriter<AlertEvent, String> {

    private static final Logger LOG = LoggerFactory.getLogger(RedisAlertSink.class);
    /** Beyond this many undelivered alerts, write() waits: an outage must not exhaust memory. */
    private static final int MAX_PENDING = 100_000;
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    /** At the end of a bounded input, how long to keep trying before giving up on Redis. */
    private static final long END_OF_INPUT_WAIT_MS = 30_000;

    private final LinkedBlockingDeque<AlertEvent> pending = new LinkedBlockingDeque<>(MAX_PENDING);
    private final JedisPooled redis;
    private final Thread publisher;
    private final Counter published;
    private volatile boolean running = true;
    private volatile boolean redisDown;
    private long lastWarningNanos;

    RedisAlertWriter(RedisUrl url, Duration timeout, Collection<AlertEvent> recovered, MetricGroup metrics) {
        this.redis = new JedisPooled(url.uri(), (int) timeout.toMillis());
        this.published = metrics.counter("alertsPublished");
        pending.addAll(recovered);
        publisher = new Thread(this::publishLoop, "vigil-redis-alerts");
        publisher.setDaemon(true);
        publisher.start();
    }

    @Override
    public void write(AlertEvent alert, Context context) throws InterruptedException {
        pending.put(alert); // waits only if MAX_PENDING alerts are stuck behind a long outage
    }

    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        if (!endOfInput) {
            return; // undelivered alerts travel in the checkpoint; no need to wait for Redis here
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(END_OF_INPUT_WAIT_MS);
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (!pending.isEmpty()) {
            LOG.warn("Redis still unreachable at the end of input: {} alert(s) not published (they are in the alerts table)",
                    pending.size());
        }
    }

    @Override
    public List<String> snapshotState(long checkpointId) {
        List<String> state = new ArrayList<>(pending.size());
        for (AlertEvent alert : pending) {
            state.add(AlertPayload.toJson(alert));
        }
        return state;
    }

    private void publishLoop() {
        long backoff = MIN_BACKOFF_MS;
        while (running) {
            AlertEvent next;
            try {
                next = pending.pollFirst(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (next == null) {
                continue;
            }
            try {
                AlertChannels.publish(redis, next);
                published.inc();
                if (redisDown) {
                    LOG.info("Redis is reachable again; publishing alerts");
                    redisDown = false;
                }
                backoff = MIN_BACKOFF_MS;
            } catch (RuntimeException e) {
                pending.offerFirst(next); // keep order; the head is retried
                redisDown = true;
                warn(e);
                sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    private void warn(RuntimeException e) {
        long now = System.nanoTime();
        if (now - lastWarningNanos > TimeUnit.SECONDS.toNanos(30) || lastWarningNanos == 0) {
            lastWarningNanos = now;
            LOG.warn("Redis unavailable ({}); {} alert(s) waiting, retrying with backoff", e.toString(), pending.size());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws Exception {
        running = false;
        publisher.interrupt();
        publisher.join(5_000);
        redis.close();
    }
}
