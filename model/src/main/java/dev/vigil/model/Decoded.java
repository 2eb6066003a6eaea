package dev.vigil.model;

import dev.vigil.events.MetricEvent;

/**
 * What the source emits for one Kafka record: the decoded event, or the reason the record breaks the
 * rules; with the record's original key and value, so a dead letter can carry the bytes that arrived
 * (not a re-encoding). Exactly one of {@code event} and {@code reason} is set.
 *
 * @param event  the event, or null for an invalid record
 * @param key    the original record key, or null (none, or a record made in memory)
 * @param value  the original record value, or null (a tombstone, or a record made in memory)
 * @param reason why the record is invalid, in words; null for a valid one
 */
public record Decoded(MetricEvent event, byte[] key, byte[] value, String reason) {

    /** A valid event without its original bytes (made in memory); a dead letter of it is re-encoded. */
    public static Decoded valid(MetricEvent event) {
        return new Decoded(event, null, null, null);
    }

    /** A valid event and the record it was decoded from. */
    public static Decoded valid(MetricEvent event, byte[] key, byte[] value) {
        return new Decoded(event, key, value, null);
    }

    public static Decoded invalid(byte[] key, byte[] value, String reason) {
        return new Decoded(null, key, value, reason);
    }

    public boolean isValid() {
        return event != null;
    }

    /** Event time for watermarks; invalid records carry none and must not move the watermark. */
    public long eventTime() {
        return event != null ? event.ts() : Long.MIN_VALUE;
    }

    /** The dead letter of an invalid record: its original key and value, and the reason. */
    public DeadLetter deadLetter() {
        if (event != null) {
            throw new IllegalStateException("a valid event is no dead letter");
        }
        return new DeadLetter(key, value, reason);
    }

    /** The dead letter of a valid event that arrived too late: the original bytes where known. */
    public DeadLetter lateLetter() {
        return value != null ? new DeadLetter(key, value, DeadLetter.LATE) : DeadLetter.late(event);
    }
}
