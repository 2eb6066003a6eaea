package dev.vigil.jobs.kafka;

import dev.vigil.model.DeadLetter;
import dev.vigil.events.Topics;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;

/** Writes a dead letter to the DLQ topic: original key and value, reason in the {@code error} header. */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, timestamp, letter.key(), letter.value());
        record.headers().add(Topics.ERROR_HEADER, letter.reason().getBytes(StandardCharsets.UTF_8));
        return record;
    }
}
