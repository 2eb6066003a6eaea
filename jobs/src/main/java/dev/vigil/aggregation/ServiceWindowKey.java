package dev.vigil.aggregation;


/** A (type, service) in one window: the unit the cardinality guard counts names in. */
public record ServiceWindowKey(String type, String service, long windowStart) {
    public static ServiceWindowKey of(SeriesWindow w) {
        return new ServiceWindowKey(w.series().type(), w.series().service(), w.windowStart());
    }

    /** Start of the epoch-aligned tumbling window holding {@code ts}, as Flink's TumblingEventTimeWindows computes it. */
    public static long windowStart(long ts, long windowSizeMs) {
        return ts - Math.floorMod(ts, windowSizeMs);
    }
}
