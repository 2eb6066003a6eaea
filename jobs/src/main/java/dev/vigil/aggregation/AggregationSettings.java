package dev.vigil.aggregation;

import java.io.Serializable;
import java.time.Duration;

/**
 * What the aggregation graph needs to know, and nothing about where its input comes from or its output
 * goes.
 *
 * @param window              tumbling window size, windows aligned to the epoch
 * @param allowedLateness     how long after a window's end late events still update it
 * @param maxNamesPerService  distinct names per (type, service) and window before {@value ServiceWindows#OTHER}
 * @param maxBufferedPartials window partials one source subtask holds at most before it sends them all on
 */
public record AggregationSettings(Duration window, Duration allowedLateness, int maxNamesPerService,
                                  int maxBufferedPartials) implements Serializable {

    /**
     * A histogram of latencies up to a second takes 12 KB, so 10,000 partials cap a source subtask's
     * buffer near 120 MB; a fleet with fewer series times open windows than this never reaches it.
     */
    public static final int DEFAULT_MAX_BUFFERED_PARTIALS = 10_000;

    public AggregationSettings {
        if (!dividesAnHour(window)) {
            throw new IllegalArgumentException("the window " + windowRule(window.toMillis() + " ms"));
        }
    }

    /** Hourly rollups merge whole windows only: the window must divide an hour (10s, 30s, 1m, 5m, 15m, ...). */
    public static boolean dividesAnHour(Duration window) {
        long ms = window.toMillis();
        return ms > 0 && ms < PeriodRollups.HOUR_MS && PeriodRollups.HOUR_MS % ms == 0;
    }

    /** What is wrong with a window that does not divide an hour, in words, given the window as the user wrote it. */
    public static String windowRule(String window) {
        return "must divide one hour evenly (such as 10s, 30s, 1m, 5m or 15m) so that every hourly rollup merges "
                + "whole windows; got " + window;
    }

    public long windowMs() {
        return window.toMillis();
    }

    public long allowedLatenessMs() {
        return allowedLateness.toMillis();
    }
}
