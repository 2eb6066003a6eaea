package dev.vigil.sinks.postgres;

import java.io.Serializable;
import java.time.Duration;

/**
 * How a PostgreSQL sink batches and retries its writes.
 *
 * @param batchSize     rows per batch: a full batch is written at once
 * @param flushInterval the longest a row waits for its batch to fill before it is written anyway
 * @param maxRetries    attempts per batch, each on a new connection, before the job fails and restarts
 *                      from its last checkpoint
 */
public record BatchSettings(int batchSize, Duration flushInterval, int maxRetries) implements Serializable {

    /** {@code metric_windows}: a window fires thousands of rows at once. */
    public static final BatchSettings METRIC_WINDOWS = new BatchSettings(2_000, Duration.ofMillis(200), 5);
    /** {@code alerts}: transitions are few; small batches keep their delay short. */
    public static final BatchSettings ALERTS = new BatchSettings(100, Duration.ofMillis(200), 5);

    public BatchSettings {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flush interval must be positive, got " + flushInterval);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + maxRetries);
        }
    }
}
