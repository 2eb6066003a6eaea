package dev.vigil.alerting;

import dev.vigil.model.CompositeKey;
import dev.vigil.model.MetricWindow;

/** A window row paired with one rule that judges it; keyed by (rule, series). */
public record RuleInput(String rule, MetricWindow window) {
    public String key() {
        return CompositeKey.of(rule, window.type(), window.service(), window.name());
    }
}
