package dev.vigil.sinks.redis;

import dev.vigil.model.AlertEvent;
import redis.clients.jedis.PipelineBase;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.XAddParams;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The Redis names alert subscribers rely on, and the one way an alert is published on them. */
public final class AlertChannels {
    /** Every alert, as JSON. */
    public static final String ALL = "vigil:alerts";
    /** Prefix of the per-service channels: {@code vigil:alerts:<service>}; {@code PSUBSCRIBE vigil:alerts:*} works. */
    public static final String SERVICE_PREFIX = "vigil:alerts:";
    /** The capped stream a subscriber that was away reads to catch up. */
    public static final String STREAM = "vigil:alerts:stream";
    /** The field of a stream entry that holds the alert's JSON payload. */
    public static final String STREAM_FIELD = "alert";
    /** Entries the stream keeps, approximately. */
    public static final long STREAM_MAX_LENGTH = 10_000;

    private AlertChannels() {
    }

    public static String forService(String service) {
        return SERVICE_PREFIX + service;
    }

    /**
     * Publishes one alert transition: the stream first (it is what a subscriber that was away catches
     * up from), then the channel of every alert and the service's channel.
     */
    public static void publish(UnifiedJedis redis, AlertEvent alert) {
        publish(redis, List.of(alert));
    }

    /**
     * Publishes alert transitions in order, each as {@link #publish(UnifiedJedis, AlertEvent)} does, in one
     * pipeline: one round trip for the lot instead of three per alert, which is what an alert storm (a
     * deploy that breaches every route at once) costs the writer and Redis. Throws if Redis refused any
     * command or could not be reached; some of the alerts may have been published then.
     */
    public static void publish(UnifiedJedis redis, List<AlertEvent> alerts) {
        List<Response<?>> replies = new ArrayList<>(3 * alerts.size());
        try (PipelineBase pipeline = redis.pipelined()) {
            for (AlertEvent alert : alerts) {
                String json = AlertPayload.toJson(alert);
                replies.add(pipeline.xadd(STREAM, XAddParams.xAddParams().maxLen(STREAM_MAX_LENGTH).approximateTrimming(),
                        Map.of(STREAM_FIELD, json)));
                replies.add(pipeline.publish(ALL, json));
                replies.add(pipeline.publish(forService(alert.service()), json));
            }
            pipeline.sync();
        }
        for (Response<?> reply : replies) {
            reply.get(); // a command Redis refused throws here
        }
    }
}
