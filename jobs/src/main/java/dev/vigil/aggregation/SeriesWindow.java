package dev.vigil.aggregation;

/** The accumulated result of one window of one series (or of a rollup, with name {@code *}). */
public record SeriesWindow(SeriesKey series, long windowStart, long windowEnd, WindowAccumulator accumulator) {
}
