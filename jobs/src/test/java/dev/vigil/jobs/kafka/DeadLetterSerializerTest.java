package dev.vigil.jobs.kafka;

import dev.vigil.model.DeadLetter;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterSerializerTest {
    final DeadLetterSerializer serializer = new DeadLetterSerializer("dlq");

    @Test
    void keyValueAndReasonAreCopiedAsTheyAre() {
        byte[] value = "{\"type\":\"trace\"}".getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> r = serializer.serialize(new DeadLetter(null, value, "unknown type"), null, 42L);
        assertThat(r.topic()).isEqualTo("dlq");
        assertThat(r.key()).isNull();
        assertThat(r.value()).isEqualTo(value);
        assertThat(r.timestamp()).isEqualTo(42L);
        assertThat(new String(r.headers().lastHeader("error").value(), StandardCharsets.UTF_8)).isEqualTo("unknown type");
        assertThat(r.headers().lastHeader("truncated")).isNull();
    }

    @Test
    void aValueOrKeyOverTheLimitIsCutThereAndTheHeaderSaysSo() {
        byte[] value = new byte[1_000_000];
        Arrays.fill(value, (byte) 'x');
        byte[] key = new byte[70_000];
        ProducerRecord<byte[], byte[]> r = serializer.serialize(
                new DeadLetter(key, value, "value is 1000000 bytes, over the 65536-byte limit"), null, null);
        assertThat(r.value()).hasSize(65_536).isEqualTo(Arrays.copyOf(value, 65_536));
        assertThat(r.key()).hasSize(65_536);
        assertThat(new String(r.headers().lastHeader("truncated").value(), StandardCharsets.UTF_8))
                .isEqualTo("key: 70000 bytes, the first 65536 kept; value: 1000000 bytes, the first 65536 kept");
    }
}
