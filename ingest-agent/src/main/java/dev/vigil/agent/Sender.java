package dev.vigil.agent;

/**
 * The background side of the agent: drains the ring until asked to close. {@link KafkaSender} is the
 * real one; benchmarks plug in a discarding one to measure the callers' side alone.
 */
interface Sender extends Runnable {

    /** Deliver what can be delivered until {@code deadlineNanos} ({@link System#nanoTime()}), then stop. */
    void requestClose(long deadlineNanos);

    /** Events Kafka acknowledged. */
    long sent();

    /** Events Kafka rejected or did not take in time. */
    long failed();

    /** Events still in the ring when the sender stopped. */
    long discardedAtClose();
}
