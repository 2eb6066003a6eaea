package dev.vigil.jobs.kafka;

import dev.vigil.events.EventBatch;
import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;
import dev.vigil.model.Decoded;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaRecordDecoderTest {
    static final long NOW = 1_800_000_000_000L;
    final EventCodec codec = new EventCodec();

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theValuesServiceWinsOverTheRecordKeyWhichIsKeptForTheDeadLetter() {
        byte[] value = utf8("{\"type\":\"cache\",\"ts\":" + NOW + ",\"service\":\"s\",\"name\":\"c\",\"hit\":true}");
        Decoded d = KafkaRecordDecoder.decode(codec, EventTimeLimits.DEFAULTS, NOW, utf8("other"), value);
        assertThat(d.isValid()).isTrue();
        assertThat(d.event().service()).isEqualTo("s");
        assertThat(d.key()).isEqualTo(utf8("other"));
        assertThat(d.value()).isSameAs(value);
    }

    @Test
    void nullAndEmptyKeysAreFineAndAnInvalidValueKeepsItsBytesAndReason() {
        byte[] value = utf8("{\"type\":\"cache\"}");
        Decoded d = KafkaRecordDecoder.decode(codec, EventTimeLimits.DEFAULTS, NOW, null, value);
        assertThat(d.deadLetter().reason()).isEqualTo("missing field \"ts\"");
        assertThat(d.deadLetter().value()).isSameAs(value);
        assertThat(d.deadLetter().key()).isNull();
        Decoded empty = KafkaRecordDecoder.decode(codec, EventTimeLimits.DEFAULTS, NOW, new byte[0], null);
        assertThat(empty.deadLetter().reason()).isEqualTo("value is null");
        assertThat(empty.deadLetter().key()).isEmpty();
    }

    @Test
    void anEventTooFarAheadOfTheClockIsADeadLetterWithItsReason() {
        byte[] value = utf8("{\"type\":\"cache\",\"ts\":" + (NOW + 3_600_000) + ",\"service\":\"s\",\"name\":\"c\",\"hit\":true}");
        Decoded d = KafkaRecordDecoder.decode(codec, EventTimeLimits.DEFAULTS, NOW, utf8("s"), value);
        assertThat(d.isValid()).isFalse();
        assertThat(d.eventTime()).as("it never reaches a watermark").isEqualTo(Long.MIN_VALUE);
        assertThat(d.reason()).isEqualTo("ts is 1 hour in the future (max skew 10m)");
        assertThat(d.deadLetter().value()).isSameAs(value);
    }

    @Test
    void aBatchGivesOneDecisionPerEventInOrderAndAnEventOutOfTimeIsADeadLetterAlone() {
        EventBatch.Writer w = new EventBatch.Writer("s", "s-1");
        MetricEvent onTime = MetricEvent.request(NOW, "s", "GET /", "s-1", 1, 200, null);
        MetricEvent ahead = MetricEvent.request(NOW + 3_600_000, "s", "GET /", "s-1", 2, 200, null);
        w.add(onTime);
        w.add(ahead);
        w.add(onTime);
        List<Decoded> out = new ArrayList<>();
        KafkaRecordDecoder.decodeRecord(codec, EventTimeLimits.DEFAULTS, NOW, utf8("s"), w.finish(), out::add);

        assertThat(out).hasSize(3);
        assertThat(out.get(0).event()).isEqualTo(onTime);
        assertThat(out.get(0).value()).as("a late letter re-encodes it in v1").isNull();
        assertThat(out.get(0).key()).isEqualTo(utf8("s"));
        assertThat(out.get(2).event()).isEqualTo(onTime);
        assertThat(out.get(1).reason()).isEqualTo("ts is 1 hour in the future (max skew 10m)");
        List<MetricEvent> alone = codec.decodeRecord(out.get(1).value());
        assertThat(alone).containsExactly(ahead);
    }

    @Test
    void aBatchBrokenAsAWholeIsOneDeadLetterWithItsBytes() {
        EventBatch.Writer w = new EventBatch.Writer("s", null);
        w.add(MetricEvent.request(NOW, "s", "GET /", null, 1, 200, null));
        byte[] value = w.finish();
        byte[] cut = Arrays.copyOf(value, value.length - 1);
        List<Decoded> out = new ArrayList<>();
        KafkaRecordDecoder.decodeRecord(codec, EventTimeLimits.DEFAULTS, NOW, utf8("s"), cut, out::add);
        assertThat(out).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo("batch is truncated at byte " + cut.length);
            assertThat(d.value()).isSameAs(cut);
        });
    }
}
