package dev.vigil.alerting;

import dev.vigil.model.MetricWindow;

import java.io.Serializable;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One SLA rule: which series it judges, which metric, the warning and critical thresholds, and how
 * many consecutive windows must breach before it fires ({@code forWindows}) or pass before it resolves.
 * Built by {@link SlaRules}, which validates every field.
 */
public record SlaRule(
        String name,
        String type,
        List<String> services,
        List<String> names,
        RollupScope rollup,
        String metric,
        Comparison comparison,
        double warning,
        double critical,
        int forWindows,
        int resolveAfter,
        long minCount) implements Serializable {

    /** Whether this rule judges the given row's series. */
    public boolean appliesTo(MetricWindow w) {
        if (!type.equals(w.type())) {
            return false;
        }
        boolean rollupRow = w.isRollup();
        if ((rollup == RollupScope.EXCLUDE && rollupRow) || (rollup == RollupScope.ONLY && !rollupRow)) {
            return false;
        }
        return matchesAny(services, w.service()) && (rollupRow || matchesAny(names, w.name()));
    }

    /** The metric's value in a row; NaN when the row has no such value (no durations, not a cache). */
    public double valueOf(MetricWindow w) {
        return MetricValues.BY_NAME.get(metric).applyAsDouble(w);
    }

    /** The level a value breaches, or null when it passes. */
    public Severity levelOf(double value) {
        if (comparison.breaches(value, critical)) {
            return Severity.CRITICAL;
        }
        return comparison.breaches(value, warning) ? Severity.WARNING : null;
    }

    public double threshold(Severity severity) {
        return severity == Severity.CRITICAL ? critical : warning;
    }

    static boolean matchesAny(List<String> globs, String value) {
        if (globs.isEmpty()) {
            return true;
        }
        for (String glob : globs) {
            if (globToRegex(glob).matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }

    private static final java.util.Map<String, Pattern> COMPILED = new java.util.concurrent.ConcurrentHashMap<>();

    /** {@code *} any run of characters, {@code ?} one character; everything else literal. */
    static Pattern globToRegex(String glob) {
        return COMPILED.computeIfAbsent(glob, SlaRule::compile);
    }

    private static Pattern compile(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
