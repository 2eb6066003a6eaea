package dev.vigil.jobs.kafka;

import dev.vigil.events.EventBatch;
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
import java.util.function.Consumer;

/**
 * Decodes each Kafka record inside the source, v1 (one event) or a {@linkplain EventBatch batch} (one
 * output per event), so the event time is known where Flink generates
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
    private transient BatchSink batchSink;

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
        byte[] value = record.value();
        long now = clock.millis();
        if (!EventBatch.isBatch(value)) {
            if (eventsIn != null) {
                eventsIn.inc();
            }
            out.collect(decode(codec, limits, now, record.key(), value, eventsOutOfTime));
            return;
        }
        if (batchSink == null) {
            batchSink = new BatchSink();
        }
        batchSink.decode(limits, now, record.key(), value, eventsOutOfTime, eventsIn, out::collect);
    }

    /** The decision for one v1 record, shared with tests that bypass Kafka. */
    public static Decoded decode(EventCodec codec, EventTimeLimits limits, long nowMs, byte[] key, byte[] value) {
        return decode(codec, limits, nowMs, key, value, null);
    }

    /**
     * The decisions for one record in either format, in order: one for a v1 record, one per event for a
     * batch (or one for a batch that is broken as a whole); shared with tests that bypass Kafka.
     */
    public static void decodeRecord(EventCodec codec, EventTimeLimits limits, long nowMs, byte[] key, byte[] value,
                                    Consumer<Decoded> out) {
        if (EventBatch.isBatch(value)) {
            new BatchSink().decode(limits, nowMs, key, value, null, null, out);
        } else {
            out.accept(decode(codec, limits, nowMs, key, value, null));
        }
    }

    private static Decoded decode(EventCodec codec, EventTimeLimits limits, long nowMs, byte[] key, byte[] value,
                                  Counter outOfTimeLimits) {
        MetricEvent event;
        try {
            event = codec.decode(value);
        } catch (InvalidEventException e) {
            return Decoded.invalid(key, value, e.reason());
        }
        String outOfTime = outOfTime(limits, event, nowMs, outOfTimeLimits);
        return outOfTime == null ? Decoded.valid(event, key, value) : Decoded.invalid(key, value, outOfTime);
    }

    /** Why an event's time is refused ({@link EventTimeLimits}), counted; null when it is within the limits. */
    private static String outOfTime(EventTimeLimits limits, MetricEvent event, long nowMs, Counter outOfTimeLimits) {
        String violation = limits.violation(event.ts(), nowMs);
        if (violation != null && outOfTimeLimits != null) {
            outOfTimeLimits.inc();
        }
        return violation;
    }

    /**
     * Turns a batch's events into decisions: each event is judged alone (a bad one is a dead letter of
     * its own, the bytes of that event alone), and a batch broken as a whole is one dead letter. A valid
     * event carries no value bytes: were it late, its dead letter is its v1 encoding.
     */
    private static final class BatchSink implements EventBatch.Sink {
        private EventTimeLimits limits;
        private long nowMs;
        private byte[] key;
        private Counter outOfTimeLimits;
        private Counter eventsIn;
        private Consumer<Decoded> out;

        void decode(EventTimeLimits limits, long nowMs, byte[] key, byte[] value, Counter outOfTimeLimits,
                    Counter eventsIn, Consumer<Decoded> out) {
            this.limits = limits;
            this.nowMs = nowMs;
            this.key = key;
            this.outOfTimeLimits = outOfTimeLimits;
            this.eventsIn = eventsIn;
            this.out = out;
            try {
                EventBatch.read(value, this);
            } catch (InvalidEventException e) {
                count();
                out.accept(Decoded.invalid(key, value, e.reason()));
            } finally {
                this.out = null;
                this.key = null;
            }
        }

        @Override
        public void event(MetricEvent event, EventBatch.Alone alone) {
            count();
            String outOfTime = outOfTime(limits, event, nowMs, outOfTimeLimits);
            out.accept(outOfTime == null ? Decoded.valid(event, key, null) : Decoded.invalid(key, alone.value(), outOfTime));
        }

        @Override
        public void invalid(byte[] value, String reason) {
            count();
            out.accept(Decoded.invalid(key, value, reason));
        }

        private void count() {
            if (eventsIn != null) {
                eventsIn.inc();
            }
        }
    }

    @Override
    public TypeInformation<Decoded> getProducedType() {
        return TypeInformation.of(Decoded.class);
    }
}
