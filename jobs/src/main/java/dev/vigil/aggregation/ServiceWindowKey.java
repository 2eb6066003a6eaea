package dev.vigil.aggregation;

import dev.vigil.events.MetricEvent;

/** A (type, service) in one window: the unit the cardinality guard counts names in. */
public record ServiceWindowKey(String type, String service, long windowStart) {
    public static ServiceWindowKey of(MetricEvent e, long windowSizeMs) {
        return new ServiceWindowKey(e.type().wireName(), e.service(), windowStart(e.ts(), windowSizeMs));
    }

    /** Start of the epoch-aligned tumbling window holding {@code ts}, as Flink's TumblingEventTimeWindows computes it. */
    public static long windowStart(long ts, long windowSizeMs) {
        return ts - Math.floorMod(ts, windowSizeMs);
    }
}
