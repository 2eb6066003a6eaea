package dev.vigil.dashboard;

import java.time.Duration;
import java.util.List;

/**
 * The step of a time series answer: the shortest of a fixed ladder that is a multiple of the job's window
 * and keeps the answer to at most {@link #MAX_POINTS} points. Points are merged windows (histograms merged,
 * never percentiles averaged); steps of whole hours or days are read from the rollups.
 */
public record SeriesResolution(Duration step) {

    public static final int MAX_POINTS = 400;

    private static final List<Duration> LADDER = List.of(
            Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
            Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2),
            Duration.ofHours(3), Duration.ofHours(6), Duration.ofHours(12), Duration.ofDays(1));

    /** @param window the job's window length (it divides an hour) */
    public static SeriesResolution of(Duration range, Duration window) {
        for (Duration step : ladder(window)) {
            if (range.toMillis() <= step.toMillis() * MAX_POINTS) {
                return new SeriesResolution(step);
            }
        }
        return new SeriesResolution(LADDER.get(LADDER.size() - 1)); // TimeRange.MAX_LENGTH keeps this under MAX_POINTS
    }

    private static List<Duration> ladder(Duration window) {
        List<Duration> steps = new java.util.ArrayList<>();
        steps.add(window);
        for (Duration step : LADDER) {
            if (step.compareTo(window) > 0 && step.toMillis() % window.toMillis() == 0) {
                steps.add(step);
            }
        }
        return steps;
    }

    /**
     * The longest rollup period whose rows fit whole in every step: a day or an hour when the step is a
     * multiple of one (steps are aligned to UTC, as rollups are), else zero (window rows only).
     */
    public Duration longestRollup() {
        if (step.toMillis() % Duration.ofDays(1).toMillis() == 0) {
            return Duration.ofDays(1);
        }
        return step.toMillis() % Duration.ofHours(1).toMillis() == 0 ? Duration.ofHours(1) : Duration.ZERO;
    }
}
