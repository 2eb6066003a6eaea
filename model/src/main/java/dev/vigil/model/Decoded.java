package dev.vigil.model;

import dev.vigil.events.MetricEvent;

/**
 * What the source emits for one Kafka record: either the decoded event or, when the record breaks the
 * v1 rules, the dead letter that says why. Exactly one of the two is set.
 */
public record Decoded(MetricEvent event, DeadLetter deadLetter) {

    public static Decoded valid(MetricEvent event) {
        return new Decoded(event, null);
    }

    public static Decoded invalid(DeadLetter deadLetter) {
        return new Decoded(null, deadLetter);
    }

    public boolean isValid() {
        return event != null;
    }

    /** Event time for watermarks; invalid records carry none and must not move the watermark. */
    public long eventTime() {
        return event != null ? event.ts() : Long.MIN_VALUE;
    }
}
