package dev.vigil.aggregation;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The accumulated events of one window of one series: a partial from one source subtask on its way to
 * {@link ServiceWindows}, then the merged result on its way to the rows (name {@code *} for a rollup).
 * Serialized with {@link SeriesWindowSerializer}.
 */
@TypeInfo(SeriesWindowSerializer.TypeInfoFactory.class)
public record SeriesWindow(SeriesKey series, long windowStart, long windowEnd, WindowAccumulator accumulator) {

    /** The latest instant of the window, the timestamp its records carry. */
    public long maxTimestamp() {
        return windowEnd - 1;
    }
}
