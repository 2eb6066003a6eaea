package dev.vigil.sinks.redis;

import dev.vigil.model.AlertEvent;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPooled;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Hands alerts to a publisher thread so the task thread never waits for Redis; what is not delivered
 * yet is snapshotted with every checkpoint. See {@link RedisAlertSink}.
 *
 * <p>An alert leaves {@link #pending} only once Redis has taken it: the publisher copies the oldest
 * alerts out, publishes them in one pipeline ({@link AlertChannels#publish(redis.clients.jedis.UnifiedJedis, List)}),
 * and only then removes them. So a checkpoint taken while a batch is on its way still holds the batch,
 * and a failed batch is simply tried again, in order, with nothing to put back.
 */
final class RedisAlertWriter implements StatefulSinkWriter<AlertEvent, String> {

    private static final Logger LOG = LoggerFactory.getLogger(RedisAlertSink.class);
    /** Beyond this many undelivered alerts, write() waits: an outage must not exhaust memory. */
    private static final int MAX_PENDING = 100_000;
    /** Alerts per pipeline: one round trip for an alert storm instead of three per alert. */
    static final int MAX_BATCH = 256;
    private static final long MIN_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    /** At the end of a bounded input, how long to keep trying before giving up on Redis. */
    private static final long END_OF_INPUT_WAIT_MS = 30_000;

    /** Undelivered alerts, oldest first; guarded by itself (writers, the publisher and snapshots). */
    private final ArrayDeque<AlertEvent> pending = new ArrayDeque<>();
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
        synchronized (pending) {
            while (pending.size() >= MAX_PENDING) {
                pending.wait(); // only while MAX_PENDING alerts are stuck behind a long outage
            }
            pending.addLast(alert);
            pending.notifyAll();
        }
    }

    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        if (!endOfInput) {
            return; // undelivered alerts travel in the checkpoint; no need to wait for Redis here
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(END_OF_INPUT_WAIT_MS);
        while (undelivered() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        int left = undelivered();
        if (left > 0) {
            LOG.warn("Redis still unreachable at the end of input: {} alert(s) not published (they are in the alerts table)",
                    left);
        }
    }

    private int undelivered() {
        synchronized (pending) {
            return pending.size();
        }
    }

    @Override
    public List<String> snapshotState(long checkpointId) {
        List<AlertEvent> undelivered;
        synchronized (pending) {
            undelivered = new ArrayList<>(pending);
        }
        List<String> state = new ArrayList<>(undelivered.size());
        for (AlertEvent alert : undelivered) {
            state.add(AlertPayload.toJson(alert));
        }
        return state;
    }

    private void publishLoop() {
        long backoff = MIN_BACKOFF_MS;
        while (running) {
            List<AlertEvent> batch;
            try {
                batch = oldest();
            } catch (InterruptedException e) {
                return;
            }
            if (batch.isEmpty()) {
                continue;
            }
            try {
                AlertChannels.publish(redis, batch);
                synchronized (pending) {
                    for (int i = 0; i < batch.size(); i++) {
                        pending.pollFirst(); // the same alerts: only this thread removes
                    }
                    pending.notifyAll();
                }
                published.inc(batch.size());
                if (redisDown) {
                    LOG.info("Redis is reachable again; publishing alerts");
                    redisDown = false;
                }
                backoff = MIN_BACKOFF_MS;
            } catch (RuntimeException e) {
                redisDown = true; // the batch stays at the head and is tried again, in order
                warn(e);
                sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    /** A copy of up to {@link #MAX_BATCH} of the oldest undelivered alerts, waiting up to 100 ms for one. */
    private List<AlertEvent> oldest() throws InterruptedException {
        synchronized (pending) {
            if (pending.isEmpty()) {
                pending.wait(100);
            }
            List<AlertEvent> batch = new ArrayList<>(Math.min(MAX_BATCH, pending.size()));
            for (AlertEvent alert : pending) {
                if (batch.size() == MAX_BATCH) {
                    break;
                }
                batch.add(alert);
            }
            return batch;
        }
    }

    private void warn(RuntimeException e) {
        long now = System.nanoTime();
        if (now - lastWarningNanos > TimeUnit.SECONDS.toNanos(30) || lastWarningNanos == 0) {
            lastWarningNanos = now;
            LOG.warn("Redis unavailable ({}); {} alert(s) waiting, retrying with backoff", e.toString(), undelivered());
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
