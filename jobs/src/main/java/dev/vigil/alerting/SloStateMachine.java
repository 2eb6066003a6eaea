package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import dev.vigil.model.SloStatus;

import java.time.Instant;
import java.util.Locale;

/**
 * The burn-rate alert of one SLO on one series, judged after each newest window:
 *
 * <pre>
 *  ok ──a tier holds──► firing(severity of the strongest tier that holds) ──no tier holds──► ok
 *                          └─ a critical tier joins while warning: escalated (once)
 * </pre>
 *
 * A tier holds when the burn rate — bad ÷ total over a window, divided by 1 − objective — exceeds its
 * factor over both its long and its short window, and the short window holds at least the tier's
 * minimum count of events (so a low-traffic series does not page on one bad event). A window without
 * events burns nothing: no division by zero, no NaN. Only transitions produce events, through the same
 * alerts table and Redis channels as the SLA rules ({@code metric} = {@value #METRIC}).
 */
public final class SloStateMachine {
    public static final String METRIC = "burn_rate";

    private SloStateMachine() {
    }

    /** The burn rates of every tier after one window, and the period's budget. */
    record Reading(double[] burnLong, double[] burnShort, boolean[] holds, long periodGood, long periodTotal,
                   double[] reportedBurn) {

        /** The strongest tier that holds, or -1. */
        int decider() {
            for (int i = 0; i < holds.length; i++) {
                if (holds[i]) {
                    return i;
                }
            }
            return -1;
        }

        /** The smaller of a tier's two burn rates: the one that decides whether it holds. */
        double deciding(int tier) {
            return Math.min(burnLong[tier], burnShort[tier]);
        }
    }

    static Reading read(SloPlan plan, BurnWindows windows, long end) {
        Slo slo = plan.slo;
        int n = slo.tiers().size();
        double[] burnLong = new double[n];
        double[] burnShort = new double[n];
        boolean[] holds = new boolean[n];
        for (int i = 0; i < n; i++) {
            Slo.BurnTier tier = slo.tiers().get(i);
            long[] l = windows.sum(end, plan.longSpan[i]);
            long[] s = windows.sum(end, plan.shortSpan[i]);
            burnLong[i] = burnRate(l[0], l[1], slo.objective());
            burnShort[i] = burnRate(s[0], s[1], slo.objective());
            holds[i] = s[1] >= slo.minCountFor(tier) && burnLong[i] > tier.factor() && burnShort[i] > tier.factor();
        }
        double[] reported = new double[plan.reportedSpans.length];
        for (int i = 0; i < reported.length; i++) {
            long[] c = windows.sum(end, plan.reportedSpans[i]);
            reported[i] = burnRate(c[0], c[1], slo.objective());
        }
        long[] period = windows.sum(end, plan.periodMs);
        return new Reading(burnLong, burnShort, holds, period[0], period[1], reported);
    }

    /** (bad ÷ total) ÷ (1 − objective); 0 for no events. */
    static double burnRate(long good, long total, double objective) {
        return total == 0 ? 0 : ((double) (total - good) / total) / (1 - objective);
    }

    /** 1 − bad ÷ allowed bad, where allowed bad is (1 − objective) × total; 1 when nothing was bad. */
    static double budgetRemaining(long good, long total, double objective) {
        long bad = total - good;
        return bad == 0 ? 1 : 1 - bad / ((1 - objective) * total);
    }

    /** Judges one newest window; returns the transition it causes, or null. Mutates {@code s}. */
    static AlertEvent judge(SloState s, Slo slo, SloInput in, Reading r) {
        int decider = r.decider();
        if (s.firing == null) {
            if (decider < 0) {
                return null;
            }
            s.firing = slo.tiers().get(decider).severity();
            s.tier = decider;
            s.startedAt = in.windowStart();
            return event(AlertEvent.FIRING, s, slo, in, r, "firing (" + s.firing.wireName() + ")");
        }
        if (decider < 0) {
            AlertEvent resolved = event(AlertEvent.RESOLVED, s, slo, in, r, "resolved");
            s.firing = null;
            return resolved;
        }
        Slo.BurnTier tier = slo.tiers().get(decider);
        if (tier.severity() == Severity.CRITICAL && s.firing == Severity.WARNING) {
            s.firing = Severity.CRITICAL;
            s.tier = decider;
            return event(AlertEvent.ESCALATED, s, slo, in, r, "escalated to critical");
        }
        if (tier.severity() == s.firing) {
            s.tier = decider; // the strongest tier of its severity speaks for it
        }
        return null;
    }

    /** The series sent nothing for a whole period: a firing alert resolves for lack of data. */
    static AlertEvent quiet(SloState s, Slo slo) {
        if (s.firing == null) {
            return null;
        }
        Slo.BurnTier tier = slo.tiers().get(s.tier);
        AlertEvent resolved = new AlertEvent(
                AlertStateMachine.alertId(slo.name(), s.type, s.service, s.name, s.lastWindowStart, "resolved-quiet"),
                AlertEvent.RESOLVED, slo.name(), s.firing.wireName(), s.type, s.service, s.name, METRIC, Double.NaN,
                tier.factor(), s.lastWindowStart, s.lastWindowEnd, s.startedAt,
                slo.name() + " resolved: " + s.service + " " + s.name + " sent nothing for the SLO's whole period");
        s.firing = null;
        return resolved;
    }

    static SloStatus status(SloPlan plan, SloInput in, SloState s, Reading r) {
        Slo slo = plan.slo;
        return new SloStatus(slo.name(), in.type(), in.service(), in.name(), in.windowStart(), in.windowEnd(),
                slo.objective(), r.periodGood(), r.periodTotal(), in.good(), in.total(),
                budgetRemaining(r.periodGood(), r.periodTotal(), slo.objective()), plan.reportedLabels, r.reportedBurn(),
                s.firing == null ? "ok" : s.firing.wireName());
    }

    private static AlertEvent event(String event, SloState s, Slo slo, SloInput in, Reading r, String what) {
        Slo.BurnTier tier = slo.tiers().get(s.tier);
        double value = r.deciding(s.tier);
        String summary = String.format(Locale.ROOT,
                "%s %s: %s %s %s burns its error budget at %s over %s and %s over %s (tier %s; objective %s over %s, "
                        + "budget remaining %s, window %s)",
                slo.name(), what, in.service(), in.type(), in.name(), num(r.burnLong()[s.tier]),
                dev.vigil.model.Durations.format(tier.longWindow()), num(r.burnShort()[s.tier]),
                dev.vigil.model.Durations.format(tier.shortWindow()), tier.describe(), percent(slo.objective()),
                dev.vigil.model.Durations.format(slo.period()),
                percent(budgetRemaining(r.periodGood(), r.periodTotal(), slo.objective())),
                Instant.ofEpochMilli(in.windowStart()));
        return new AlertEvent(
                AlertStateMachine.alertId(slo.name(), in.type(), in.service(), in.name(), in.windowStart(), event),
                event, slo.name(), s.firing.wireName(), in.type(), in.service(), in.name(), METRIC, value,
                tier.factor(), in.windowStart(), in.windowEnd(), s.startedAt, summary);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static String percent(double fraction) {
        return java.math.BigDecimal.valueOf(fraction * 100).round(new java.math.MathContext(6)).stripTrailingZeros()
                .toPlainString() + "%";
    }
}
