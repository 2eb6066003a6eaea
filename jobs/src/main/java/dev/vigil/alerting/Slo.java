package dev.vigil.alerting;

import dev.vigil.model.Durations;
import dev.vigil.model.MetricWindow;
import dev.vigil.model.PackedHistogram;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * A service level objective: which series it judges, what a good event is, the objective over a
 * rolling period, and the multiwindow burn-rate tiers that page on it. Built by {@link SlaRules}, which
 * validates every field.
 *
 * @param names     name globs; empty: only the service rollup row ({@value MetricWindow#ROLLUP_NAME})
 * @param thresholdMs for {@link Indicator#LATENCY}: a good event took at most this long; NaN otherwise
 * @param minCount  events the short window of a tier must hold for the tier to judge; 0: the default
 *                  of each tier ({@link BurnTier#defaultMinCount})
 * @param tiers     strongest first; empty: the SLO only reports ({@code slo_status}), it never alerts
 */
public record Slo(
        String name,
        String type,
        List<String> services,
        List<String> names,
        Indicator indicator,
        double thresholdMs,
        double objective,
        Duration period,
        long minCount,
        List<BurnTier> tiers) implements Serializable {

    /** The period the SRE workbook's tier windows are written for; other periods scale them. */
    public static final Duration REFERENCE_PERIOD = Duration.ofDays(30);

    /** What makes an event good. */
    public enum Indicator {
        /** Not an error. */
        AVAILABILITY,
        /** Took at most {@code threshold_ms}, counted from the window's histogram. */
        LATENCY
    }

    /**
     * One multiwindow tier: the alert holds while the burn rate over both windows exceeds {@code factor}.
     *
     * @param longWindow  the window that shows the budget really burns
     * @param shortWindow the window that shows it still burns now (so the alert resolves soon after)
     */
    public record BurnTier(Severity severity, Duration longWindow, Duration shortWindow, double factor)
            implements Serializable {

        /**
         * Enough events in the short window that one bad event alone cannot exceed the factor:
         * ⌈1 ÷ ((1 − objective) × factor)⌉ (70 for 99.9% and 14.4; 1,000 for 99.9% and 1).
         */
        public long defaultMinCount(double objective) {
            return Math.max(1, (long) Math.ceil(1.0 / ((1.0 - objective) * factor) - 1e-9));
        }

        public String describe() {
            return Durations.format(longWindow) + "/" + Durations.format(shortWindow) + " > " + SlaRules.number(factor);
        }
    }

    /**
     * The SRE workbook's tiers for a 30-day period — critical: 1h/5m above 14.4 and 6h/30m above 6;
     * warning: 1d/2h above 3 and 3d/6h above 1 — with windows scaled to {@code period} as Sloth and
     * Pyrra scale them (a 7-day SLO pages on 14m/70s, …), each at least one second.
     */
    public static List<BurnTier> defaultTiers(Duration period) {
        return List.of(
                tier(Severity.CRITICAL, period, Duration.ofHours(1), Duration.ofMinutes(5), 14.4),
                tier(Severity.CRITICAL, period, Duration.ofHours(6), Duration.ofMinutes(30), 6),
                tier(Severity.WARNING, period, Duration.ofDays(1), Duration.ofHours(2), 3),
                tier(Severity.WARNING, period, Duration.ofDays(3), Duration.ofHours(6), 1));
    }

    private static BurnTier tier(Severity severity, Duration period, Duration longWindow, Duration shortWindow, double factor) {
        return new BurnTier(severity, scale(longWindow, period), scale(shortWindow, period), factor);
    }

    static Duration scale(Duration window, Duration period) {
        double ratio = (double) period.toMillis() / REFERENCE_PERIOD.toMillis();
        long seconds = Math.max(1, Math.round(window.toMillis() * ratio / 1000.0));
        return Duration.ofSeconds(seconds);
    }

    /** Whether this SLO judges the given row's series. */
    public boolean appliesTo(MetricWindow w) {
        if (!type.equals(w.type()) || !SlaRule.matchesAny(services, w.service())) {
            return false;
        }
        return names.isEmpty() ? w.isRollup() : SlaRule.matchesAny(names, w.name());
    }

    /**
     * The good events of a window. For latency, the events whose bucket's upper edge (the value the
     * histogram reports for them, as a percentile would) is at most the threshold: bucket-exact, so an
     * event up to one bucket width (under 0.8%) below the threshold may count as bad, never a slow one
     * as good.
     */
    public long goodIn(MetricWindow w) {
        if (indicator == Indicator.AVAILABILITY) {
            return w.count() - w.errors();
        }
        long thresholdNs = (long) Math.floor(thresholdMs * 1_000_000.0);
        long good = 0;
        long[] hist = w.latencyHist();
        if (hist != null) {
            for (long packed : hist) {
                if (PackedHistogram.bucketUpperNanos(PackedHistogram.bucketOf(packed)) > thresholdNs) {
                    break; // ascending by bucket
                }
                good += PackedHistogram.countOf(packed);
            }
        }
        return good;
    }

    /** Events the short window must hold for {@code tier} to judge. */
    public long minCountFor(BurnTier tier) {
        return minCount > 0 ? minCount : tier.defaultMinCount(objective);
    }
}
