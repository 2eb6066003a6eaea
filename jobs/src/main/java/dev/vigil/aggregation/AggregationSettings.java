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
 * @param maxBufferedBytes    heap bytes of partials one source subtask holds at most before it sends them all on
 */
public record AggregationSettings(Duration window, Duration allowedLateness, int maxNamesPerService,
                                  int maxBufferedPartials, long maxBufferedBytes) implements Serializable {

    /**
     * Partials one source subtask buffers: enough for 100,000 series with one window open each, whose
     * events (a few per series and window) would otherwise leave one partial per event.
     */
    public static final int DEFAULT_MAX_BUFFERED_PARTIALS = 200_000;
    /**
     * A partial takes a few hundred bytes while it holds a few dozen durations and up to about 12 KB when
     * it holds thousands spread over a second; 64 MB per source subtask bounds the buffer whichever it is.
     */
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 64L << 20;

    public AggregationSettings {
        if (!dividesAnHour(window)) {
            throw new IllegalArgumentException("the window " + windowRule(window.toMillis() + " ms"));
        }
        if (maxBufferedPartials < 1 || maxBufferedBytes < 1) {
            throw new IllegalArgumentException("the pre-aggregation buffer must hold at least one partial and one byte, got "
                    + maxBufferedPartials + " partials and " + maxBufferedBytes + " bytes");
        }
    }

    /** With the default bound in bytes ({@link #DEFAULT_MAX_BUFFERED_BYTES}). */
    public AggregationSettings(Duration window, Duration allowedLateness, int maxNamesPerService, int maxBufferedPartials) {
        this(window, allowedLateness, maxNamesPerService, maxBufferedPartials, DEFAULT_MAX_BUFFERED_BYTES);
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
