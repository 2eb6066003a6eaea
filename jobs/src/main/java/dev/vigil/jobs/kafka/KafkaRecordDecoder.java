package dev.vigil.jobs.kafka;

import dev.vigil.events.EventCodec;
import dev.vigil.events.InvalidEventException;
import dev.vigil.events.MetricEvent;
import dev.vigil.model.Decoded;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Clock;

/**
 * Decodes each Kafka record inside the source, so the event time is known where Flink generates
 * per-partition watermarks, and refuses event times too far from the clock ({@link EventTimeLimits})
 * before they can reach a watermark. Never throws for bad data: an invalid record becomes a
 * {@link Decoded#invalid dead letter} with its original bytes and the reason.
 */
public final class KafkaRecordDecoder implements KafkaRecordDeserializationSchema<Decoded> {
    private static final long serialVersionUID = 2L;

    private final EventTimeLimits limits;
    private final Clock clock;

    private transient EventCodec codec;
    private transient Counter eventsIn;
    private transient Counter eventsOutOfTime;

    public KafkaRecordDecoder(EventTimeLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        codec = new EventCodec();
        eventsIn = context.getMetricGroup().counter("eventsIn");
        eventsOutOfTime = context.getMetricGroup().counter("eventsOutOfTimeLimits");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Decoded> out) {
        if (codec == null) {
            codec = new EventCodec();
        }
        if (eventsIn != null) {
            eventsIn.inc();
        }
        out.collect(decode(codec, limits, clock.millis(), record.key(), record.value(), eventsOutOfTime));
    }

    /** The decision for one record, shared with tests that bypass Kafka. */
    public static Decoded decode(EventCodec codec, EventTimeLimits limits, long nowMs, byte[] key, byte[] value) {
        return decode(codec, limits, nowMs, key, value, null);
    }

    private static Decoded decode(EventCodec codec, EventTimeLimits limits, long nowMs, byte[] key, byte[] value,
                                  Counter outOfTimeLimits) {
        MetricEvent event;
        try {
            event = codec.decode(value);
        } catch (InvalidEventException e) {
            return Decoded.invalid(key, value, e.reason());
        }
        String outOfTime = limits.violation(event.ts(), nowMs);
        if (outOfTime == null) {
            return Decoded.valid(event, key, value);
        }
        if (outOfTimeLimits != null) {
            outOfTimeLimits.inc();
        }
        return Decoded.invalid(key, value, outOfTime);
    }

    @Override
    public TypeInformation<Decoded> getProducedType() {
        return TypeInformation.of(Decoded.class);
    }
}
