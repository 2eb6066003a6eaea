package dev.vigil.alerting;

import dev.vigil.model.CompositeKey;

/** That a series sent a window, for one silence rule that watches it; keyed by (rule, series). */
public record SilenceInput(String rule, String type, String service, String name, long windowStart, long windowEnd) {
    public String key() {
        return CompositeKey.of(rule, type, service, name);
    }
}
