package dev.vigil.jobs.kafka;

import dev.vigil.model.DeadLetter;
import dev.vigil.model.Decoded;
import dev.vigil.events.EventCodec;
import dev.vigil.events.InvalidEventException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.flink.util.Collector;

/**
 * Decodes each Kafka record inside the source, so the event time is known where Flink generates
 * per-partition watermarks. Never throws for bad data: an invalid record becomes a {@link DeadLetter}.
 */
public final class KafkaRecordDecoder implements KafkaRecordDeserializationSchema<Decoded> {
    private static final long serialVersionUID = 1L;

    private transient EventCodec codec;
    private transient Counter eventsIn;

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        codec = new EventCodec();
        eventsIn = context.getMetricGroup().counter("eventsIn");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Decoded> out) {
        if (codec == null) {
            codec = new EventCodec();
        }
        if (eventsIn != null) {
            eventsIn.inc();
        }
        out.collect(decode(codec, record.key(), record.value()));
    }

    /** The decision for one record value, shared with tests that bypass Kafka. */
    public static Decoded decode(EventCodec codec, byte[] key, byte[] value) {
        try {
            return Decoded.valid(codec.decode(value));
        } catch (InvalidEventException e) {
            return Decoded.invalid(new DeadLetter(key, value, e.reason()));
        }
    }

    @Override
    public TypeInformation<Decoded> getProducedType() {
        return TypeInformation.of(Decoded.class);
    }
}
