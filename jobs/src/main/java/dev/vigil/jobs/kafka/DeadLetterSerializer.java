package dev.vigil.jobs.kafka;

import dev.vigil.events.EventCodec;
import dev.vigil.events.Topics;
import dev.vigil.model.DeadLetter;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a dead letter to the DLQ topic: original key and value, reason in the {@code error} header.
 *
 * <p>Key and value are each kept up to {@link EventCodec#MAX_VALUE_BYTES} (64 KiB); anything longer is
 * cut there and the {@code truncated} header says what was cut. Without the cut, one record near the
 * broker's 1 MB limit, copied with its headers, would exceed the producer's request size, fail the
 * sink and restart the job on that same record forever.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    /** The most bytes of a key and of a value a dead letter keeps. */
    public static final int MAX_KEPT_BYTES = EventCodec.MAX_VALUE_BYTES;

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        List<String> cuts = new ArrayList<>(2);
        byte[] key = keep("key", letter.key(), cuts);
        byte[] value = keep("value", letter.value(), cuts);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, timestamp, key, value);
        record.headers().add(Topics.ERROR_HEADER, letter.reason().getBytes(StandardCharsets.UTF_8));
        if (!cuts.isEmpty()) {
            record.headers().add(Topics.TRUNCATED_HEADER, String.join("; ", cuts).getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private static byte[] keep(String part, byte[] bytes, List<String> cuts) {
        if (bytes == null || bytes.length <= MAX_KEPT_BYTES) {
            return bytes;
        }
        cuts.add(part + ": " + bytes.length + " bytes, the first " + MAX_KEPT_BYTES + " kept");
        return Arrays.copyOf(bytes, MAX_KEPT_BYTES);
    }
}
