package dev.vigil.dashboard;

import dev.vigil.sinks.redis.AlertChannels;
import dev.vigil.sinks.redis.RedisUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Follows the alert stream ({@value AlertChannels#STREAM}) and hands every new alert's JSON payload to
 * the listeners (the page's server-sent event connections). It reads the stream, not the pub/sub
 * channel, so that after Redis comes back it resumes from the last entry it saw and misses nothing.
 */
final class AlertFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertFeed.class);
    private static final int BLOCK_MS = 2_000;

    private final JedisPooled redis;
    private final RedisUrl url;
    private final List<Consumer<String>> alertListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Boolean>> liveListeners = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean running = true;
    private volatile boolean live;

    AlertFeed(RedisUrl url) {
        this.url = url;
        this.redis = new JedisPooled(url.uri(), (int) Duration.ofSeconds(5).toMillis());
        this.reader = new Thread(this::follow, "vigil-serve-alert-feed");
        reader.setDaemon(true);
    }

    void start() {
        reader.start();
    }

    void onAlert(Consumer<String> listener) {
        alertListeners.add(listener);
    }

    void onLiveChange(Consumer<Boolean> listener) {
        liveListeners.add(listener);
    }

    /** Whether the stream is being followed right now. */
    boolean live() {
        return live;
    }

    /** A round trip to Redis, in milliseconds; throws when it is unreachable. */
    long pingMillis() {
        long start = System.nanoTime();
        redis.ping();
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    private void follow() {
        StreamEntryID last = null; // null: only what arrives from now on
        long backoffMs = 500;
        long lastWarning = 0;
        while (running) {
            try {
                if (last == null) {
                    List<StreamEntry> newest = redis.xrevrange(AlertChannels.STREAM, StreamEntryID.MAXIMUM_ID, StreamEntryID.MINIMUM_ID, 1);
                    last = newest.isEmpty() ? new StreamEntryID(0, 0) : newest.get(0).getID();
                }
                setLive(true);
                backoffMs = 500;
                List<Map.Entry<String, List<StreamEntry>>> read = redis.xread(
                        XReadParams.xReadParams().block(BLOCK_MS).count(100), Map.of(AlertChannels.STREAM, last));
                if (read == null) {
                    continue;
                }
                for (Map.Entry<String, List<StreamEntry>> stream : read) {
                    for (StreamEntry entry : stream.getValue()) {
                        last = entry.getID();
                        String json = entry.getFields().get(AlertChannels.STREAM_FIELD);
                        if (json != null) {
                            alertListeners.forEach(l -> l.accept(json));
                        }
                    }
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                setLive(false);
                long now = System.currentTimeMillis();
                if (now - lastWarning > 30_000) {
                    lastWarning = now;
                    LOG.warn("Redis unavailable at {} ({}); live alerts paused, retrying", url, e.toString());
                }
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoffMs = Math.min(10_000, backoffMs * 2);
            }
        }
    }

    private void setLive(boolean now) {
        if (live != now) {
            live = now;
            liveListeners.forEach(l -> l.accept(now));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.interrupt();
        redis.close();
        reader.join(5_000);
    }
}
