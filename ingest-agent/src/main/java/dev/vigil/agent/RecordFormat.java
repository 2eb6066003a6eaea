package dev.vigil.agent;

/** How the agent puts events into Kafka records. */
public enum RecordFormat {
    /**
     * Many events of this agent in one record ({@link dev.vigil.events.EventBatch}): the default, and far
     * cheaper for the service than a record per event. The job reads it from this release on.
     */
    BATCH,
    /** One v1 JSON record per event: for consumers of the topic other than the Vigil job that read only v1. */
    V1;

    /** {@code batch} or {@code v1}, as agent arguments write it. */
    public static RecordFormat parse(String value) {
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "batch" -> BATCH;
            case "v1" -> V1;
            default -> throw new IllegalArgumentException("format must be batch or v1, got '" + value + "'");
        };
    }
}
