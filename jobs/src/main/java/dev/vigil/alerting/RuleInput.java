package dev.vigil.alerting;

import dev.vigil.sinks.MetricWindow;

/** A window row paired with one rule that judges it; keyed by (rule, series). */
public record RuleInput(String rule, MetricWindow window) {
    public String key() {
        return rule + '\u0000' + window.type() + '\u0000' + window.service() + '\u0000' + window.name();
    }
}
