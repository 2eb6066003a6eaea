package dev.vigil.model;

import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A record that goes to the dead-letter topic: its key and value, and the reason in words (the
 * {@code error} header).
 *
 * @param key   the original record key (may be null)
 * @param value the original record value (for a late event made in memory, without one: its v1 encoding)
 */
public record DeadLetter(byte[] key, byte[] value, String reason) {

    /** The reason for events that arrive after their window's allowed lateness. */
    public static final String LATE = "late";

    private static final EventCodec CODEC = new EventCodec();

    /**
     * A late event whose original bytes are not at hand (it was made in memory, not read from Kafka):
     * the value is the event re-encoded in v1 (same fields, possibly other key order and number
     * formatting). Events read from Kafka keep their original bytes ({@link Decoded#lateLetter()}).
     */
    public static DeadLetter late(MetricEvent event) {
        return new DeadLetter(event.service().getBytes(StandardCharsets.UTF_8), CODEC.encode(event), LATE);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d && Arrays.equals(key, d.key) && Arrays.equals(value, d.value)
                && Objects.equals(reason, d.reason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), reason);
    }

    @Override
    public String toString() {
        return "DeadLetter[reason=" + reason + ", value="
                + (value == null ? "null" : new String(value, 0, Math.min(value.length, 200), StandardCharsets.UTF_8))
                + "]";
    }
}
