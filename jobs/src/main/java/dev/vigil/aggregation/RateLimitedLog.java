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
     * Counts one occurrence; true when a line is due (none was written within the interval): then call
     * {@link #warn}. Two steps, so that the detail is built only for the lines written.
     */
    boolean due() {
        unlogged++;
        return System.nanoTime() - nextLineAt >= 0;
    }

    /** Writes the line that {@link #due()} said is due: {@code <what> (<n> since the last line): <detail>}. */
    void warn(String what, String detail) {
        log.warn("{} ({} since the last line; at most one line per {} s): {}", what, unlogged,
                TimeUnit.NANOSECONDS.toSeconds(intervalNanos), detail);
        unlogged = 0;
        nextLineAt = System.nanoTime() + intervalNanos;
    }
}
