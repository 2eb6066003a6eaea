package dev.vigil.stack;

/** A topic the stack creates at start. Replication is always 1: the stack has one broker. */
public record TopicSpec(String name, int partitions) {
    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be empty");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
    }
}
