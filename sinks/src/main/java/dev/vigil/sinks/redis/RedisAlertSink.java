package dev.vigil.sinks.redis;

import dev.vigil.model.AlertEvent;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Publishes alert transitions to Redis: the stream {@value AlertChannels#STREAM} (capped), then the
 * channels {@value AlertChannels#ALL} and {@code vigil:alerts:<service>}.
 *
 * <p><b>While Redis is down</b> the job keeps aggregating: alerts wait in the writer, which retries with
 * backoff, and are part of every checkpoint (writer state), so they are delivered when Redis returns,
 * even across a job restart. Checkpoints never wait for Redis. Delivery is at least once: after a
 * restart a subscriber may see an alert again, with the same {@code alert_id}. The durable record is the
 * {@code alerts} table, which does not depend on Redis at all.
 *
 * <p>The URL may carry credentials and TLS: {@code rediss://user:password@host:6380}.
 */
public final class RedisAlertSink implements Sink<AlertEvent>, SupportsWriterState<AlertEvent, String> {
    private static final long serialVersionUID = 1L;

    private final RedisUrl url;
    private final Duration timeout;

    /** @param timeout connect and socket timeout of each Redis call */
    public RedisAlertSink(RedisUrl url, Duration timeout) {
        this.url = url;
        this.timeout = timeout;
    }

    @Override
    public StatefulSinkWriter<AlertEvent, String> createWriter(WriterInitContext context) {
        return new RedisAlertWriter(url, timeout, List.of(), context.metricGroup());
    }

    @Override
    public StatefulSinkWriter<AlertEvent, String> restoreWriter(WriterInitContext context, Collection<String> recovered) {
        List<AlertEvent> pending = new ArrayList<>();
        for (String json : recovered) {
            pending.add(AlertPayload.fromJson(json));
        }
        return new RedisAlertWriter(url, timeout, pending, context.metricGroup());
    }

    @Override
    public SimpleVersionedSerializer<String> getWriterStateSerializer() {
        return new PayloadSerializer();
    }

    /** Writer state: one undelivered alert's JSON payload per element. */
    static final class PayloadSerializer implements SimpleVersionedSerializer<String> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(String payload) {
            return payload.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String deserialize(int version, byte[] bytes) throws IOException {
            if (version != 1) {
                throw new IOException("unknown Redis alert state version " + version);
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
