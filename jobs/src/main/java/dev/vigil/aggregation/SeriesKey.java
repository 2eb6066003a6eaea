package dev.vigil.aggregation;

import dev.vigil.events.MetricEvent;

/**
 * One series: (type, service, name). The type is its wire name, not the enum: an enum's hashCode is
 * per JVM, and Flink assigns keys to subtasks by hashCode.
 */
public record SeriesKey(String type, String service, String name) {
    public static SeriesKey of(MetricEvent e) {
        return new SeriesKey(e.type().wireName(), e.service(), e.name());
    }
}
