package dev.vigil.alerting;

import dev.vigil.model.MetricWindow;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * "This series stopped reporting": fires {@code critical} (metric {@value #METRIC}) once a series that
 * was reporting has sent no window for {@code after}, and resolves when it reports again. Built by
 * {@link SlaRules}.
 *
 * @param type     the event type it watches; null: every type
 * @param names    name globs; empty: every series, rollups included
 */
public record SilenceRule(String name, String type, List<String> services, List<String> names, Duration after)
        implements Serializable {

    public static final String METRIC = "silence";

    public boolean appliesTo(MetricWindow w) {
        return (type == null || type.equals(w.type())) && SlaRule.matchesAny(services, w.service())
                && SlaRule.matchesAny(names, w.name());
    }
}
