package dev.vigil.sinks.redis;

import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisPubSub;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A subscription to alert channels on a daemon thread of its own: {@link #start} returns once Redis has
 * confirmed it, so no alert published after that is missed. Each payload goes to the handler as it
 * arrives (parse it with {@link AlertPayload#fromJson}). For a subscriber that reconnects after Redis
 * outages, see {@code vigil alerts}.
 */
public final class AlertSubscription implements AutoCloseable {

    private final JedisPubSub pubSub;
    private final Thread thread;
    private volatile boolean closed;

    private AlertSubscription(JedisPubSub pubSub, Thread thread) {
        this.pubSub = pubSub;
        this.thread = thread;
    }

    /**
     * @param channelOrPattern a channel ({@value AlertChannels#ALL}) or, with {@code pattern}, a pattern
     *                         ({@code vigil:alerts:*})
     * @param onPayload        called on the subscription's thread for every message
     * @throws IllegalStateException if Redis did not confirm the subscription within 10 s
     */
    public static AlertSubscription start(RedisUrl redis, String channelOrPattern, boolean pattern,
                                          Consumer<String> onPayload) throws InterruptedException {
        CountDownLatch confirmed = new CountDownLatch(1);
        JedisPubSub pubSub = new JedisPubSub() {
            @Override
            public void onSubscribe(String channel, int count) {
                confirmed.countDown();
            }

            @Override
            public void onPSubscribe(String pattern, int count) {
                confirmed.countDown();
            }

            @Override
            public void onMessage(String channel, String message) {
                onPayload.accept(message);
            }

            @Override
            public void onPMessage(String pattern, String channel, String message) {
                onPayload.accept(message);
            }
        };
        AlertSubscription[] self = new AlertSubscription[1];
        Thread thread = new Thread(() -> {
            try (JedisPooled jedis = new JedisPooled(redis.uri())) {
                if (pattern) {
                    jedis.psubscribe(pubSub, channelOrPattern);
                } else {
                    jedis.subscribe(pubSub, channelOrPattern);
                }
            } catch (RuntimeException e) {
                if (self[0] == null || !self[0].closed) {
                    System.err.println("alert subscription to " + redis + " ended: " + e.getMessage());
                }
            }
        }, "vigil-alert-subscription");
        thread.setDaemon(true);
        self[0] = new AlertSubscription(pubSub, thread);
        thread.start();
        if (!confirmed.await(10, TimeUnit.SECONDS)) {
            self[0].close();
            throw new IllegalStateException("Redis at " + redis + " did not confirm the subscription to "
                    + channelOrPattern + " within 10 s");
        }
        return self[0];
    }

    /** Ends the subscription; messages already being handled finish. */
    @Override
    public void close() {
        closed = true;
        if (pubSub.isSubscribed()) {
            try {
                pubSub.unsubscribe();
                pubSub.punsubscribe();
            } catch (RuntimeException e) {
                // the connection is gone already: so is the subscription
            }
        }
        thread.interrupt();
    }
}
