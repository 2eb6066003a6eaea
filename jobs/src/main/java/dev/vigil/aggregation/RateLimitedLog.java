package dev.vigil.aggregation;

import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;

/**
 * At most one warning per interval about bad input, however much of it arrives: a flood of invalid
 * records must cost the log no more than one line per half minute per subtask. The line says how many
 * it stands for; the records themselves are on the dead-letter topic and in the metrics.
 *
 * <p>Not thread-safe: one per operator instance, used from its task thread.
 */
final class RateLimitedLog {
    static final long DEFAULT_INTERVAL_SECONDS = 30;

    private final Logger log;
    private final long intervalNanos;
    private long nextLineAt;
    private long unlogged;

    RateLimitedLog(Logger log) {
        this(log, DEFAULT_INTERVAL_SECONDS, TimeUnit.SECONDS);
    }

    RateLimitedLog(Logger log, long interval, TimeUnit unit) {
        this.log = log;
        this.intervalNanos = unit.toNanos(interval);
        this.nextLineAt = System.nanoTime();
    }

    /**
     * Counts one occurrence and, if no line was written within the interval, writes one:
     * {@code <what> (<n> since the last line): <detail>}.
     *
     * @return whether a line was written
     */
    boolean warn(String what, Object detail) {
        unlogged++;
        long now = System.nanoTime();
        if (now - nextLineAt < 0) {
            return false;
        }
        log.warn("{} ({} since the last line; at most one line per {} s): {}", what, unlogged,
                TimeUnit.NANOSECONDS.toSeconds(intervalNanos), detail);
        unlogged = 0;
        nextLineAt = now + intervalNanos;
        return true;
    }
}
