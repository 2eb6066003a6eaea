package dev.vigil.alerting;

import dev.vigil.model.CompositeKey;

/** One window of one series, reduced to what an SLO counts: its good and all events. Keyed by (SLO, series). */
public record SloInput(String slo, String type, String service, String name, long windowStart, long windowEnd,
                       long good, long total) {
    public String key() {
        return CompositeKey.of(slo, type, service, name);
    }
}
