package dev.vigil.events;

/** Default Kafka topic names of the v1 contract; every component takes others by configuration. */
public final class Topics {
    /** Where agents send events. Key: service name; value: one v1 JSON object. */
    public static final String EVENTS = "metrics.events";
    /** Where invalid and too-late records go, with an {@code error} header saying why. */
    public static final String DEAD_LETTER = "metrics.events.dlq";
    /** The header on a dead-letter record that holds the reason in words. */
    public static final String ERROR_HEADER = "error";

    /**
     * Dead-letter header present when the key or value was cut to {@link EventCodec#MAX_VALUE_BYTES}, e.g.
     * {@code value: 1048000 bytes, the first 65536 kept}.
     */
    public static final String TRUNCATED_HEADER = "truncated";

    private Topics() {
    }
}
