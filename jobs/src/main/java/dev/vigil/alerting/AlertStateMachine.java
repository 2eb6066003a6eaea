package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import dev.vigil.model.CompositeKey;
import dev.vigil.model.MetricWindow;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/**
 * The alert lifecycle of one rule on one series, one window at a time:
 *
 * <pre>
 *  ok ──breach──► pending ──{@code for} breaches──► firing(warning|critical) ──{@code resolve_after} passes──► ok
 *                    └──pass──► ok                       └─ critical while warning: escalated (once)
 * </pre>
 *
 * Only transitions produce events: {@code firing}, {@code escalated}, {@code resolved}. A window under
 * the rule's {@code min_count}, or without the metric, is not judged: it neither breaches nor passes. A
 * window already judged that comes again (re-fired by late data) is ignored, so the same input always
 * gives the same alerts. Critical falling back to warning does not re-fire; a pass resets the breach
 * streak and a breach resets the pass streak, so flapping around a threshold does not storm.
 */
public final class AlertStateMachine {

    private AlertStateMachine() {
    }

    /** Judges one window; returns the transition it causes, or null. Mutates {@code s}. */
    public static AlertEvent judge(AlertState s, SlaRule rule, MetricWindow w) {
        if (w.windowStart() <= s.lastJudgedWindowStart) {
            return null;
        }
        s.lastJudgedWindowStart = w.windowStart();
        s.lastWindowStart = w.windowStart();
        s.lastWindowEnd = w.windowEnd();
        double value = rule.valueOf(w);
        if (w.count() < rule.minCount() || Double.isNaN(value)) {
            return null;
        }
        Severity level = rule.levelOf(value); // null: the window passes
        return switch (s.status) {
            case OK -> fromOk(s, rule, w, value, level);
            case PENDING -> fromPending(s, rule, w, value, level);
            case FIRING -> fromFiring(s, rule, w, value, level);
        };
    }

    /** A first breach starts the streak (and fires at once when {@code for} is 1). */
    private static AlertEvent fromOk(AlertState s, SlaRule rule, MetricWindow w, double value, Severity level) {
        if (level == null) {
            return null;
        }
        s.status = AlertState.Status.PENDING;
        s.breaches = 1;
        s.severity = level;
        s.startedAt = w.windowStart();
        return s.breaches >= rule.forWindows() ? fire(s, rule, w, value) : null;
    }

    /** A pass ends the streak; the {@code for}-th breach in a row fires at the worst level seen. */
    private static AlertEvent fromPending(AlertState s, SlaRule rule, MetricWindow w, double value, Severity level) {
        if (level == null) {
            reset(s);
            return null;
        }
        s.breaches++;
        s.severity = worst(s.severity, level);
        return s.breaches >= rule.forWindows() ? fire(s, rule, w, value) : null;
    }

    /** {@code resolve_after} passes in a row resolve; a critical breach while warning escalates, once. */
    private static AlertEvent fromFiring(AlertState s, SlaRule rule, MetricWindow w, double value, Severity level) {
        if (level == null) {
            s.passes++;
            return s.passes >= rule.resolveAfter() ? resolve(s, rule, w, value) : null;
        }
        s.passes = 0;
        if (level == Severity.CRITICAL && s.severity == Severity.WARNING) {
            s.severity = Severity.CRITICAL;
            return event(AlertEvent.ESCALATED, Severity.CRITICAL, rule, w, value, rule.critical(), s.startedAt,
                    describe("escalated to critical", rule, w, value, rule.critical()));
        }
        return null;
    }

    private static AlertEvent resolve(AlertState s, SlaRule rule, MetricWindow w, double value) {
        AlertEvent resolved = event(AlertEvent.RESOLVED, s.severity, rule, w, value, rule.threshold(s.severity),
                s.startedAt, String.format(Locale.ROOT, "%s resolved: %s %s = %s, back within %s %s for %d window(s)",
                        rule.name(), series(w), rule.metric(), num(value),
                        rule.comparison() == Comparison.ABOVE ? "<=" : ">=", num(rule.warning()), s.passes));
        reset(s);
        return resolved;
    }

    private static AlertEvent fire(AlertState s, SlaRule rule, MetricWindow w, double value) {
        s.status = AlertState.Status.FIRING;
        s.passes = 0;
        double threshold = rule.threshold(s.severity);
        return event(AlertEvent.FIRING, s.severity, rule, w, value, threshold, s.startedAt,
                describe("firing (" + s.severity.wireName() + ")", rule, w, value, threshold));
    }

    private static void reset(AlertState s) {
        s.status = AlertState.Status.OK;
        s.severity = null;
        s.breaches = 0;
        s.passes = 0;
    }

    private static AlertEvent event(String event, Severity severity, SlaRule rule, MetricWindow w, double value,
                                    double threshold, long startedAt, String summary) {
        return new AlertEvent(alertId(rule.name(), w.type(), w.service(), w.name(), w.windowStart(), event), event,
                rule.name(), severity.wireName(), w.type(), w.service(), w.name(), rule.metric(), value, threshold,
                w.windowStart(), w.windowEnd(), startedAt, summary);
    }

    private static String describe(String what, SlaRule rule, MetricWindow w, double value, double threshold) {
        return String.format(Locale.ROOT, "%s %s: %s %s = %s %s %s (%d events, window %s)", rule.name(), what,
                series(w), rule.metric(), num(value), rule.comparison().symbol(), num(threshold), w.count(),
                Instant.ofEpochMilli(w.windowStart()));
    }

    /** Same rule, series, window and event: same id, whatever run produced it. */
    static String alertId(String rule, String type, String service, String name, long windowStart, String event) {
        String key = CompositeKey.of(rule, type, service, name, Long.toString(windowStart), event);
        return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static Severity worst(Severity a, Severity b) {
        return a == null || b.compareTo(a) > 0 ? b : a;
    }

    private static String series(MetricWindow w) {
        return w.service() + " " + w.type() + " " + w.name();
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
