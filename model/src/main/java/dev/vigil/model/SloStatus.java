package dev.vigil.model;

import java.util.Arrays;

/**
 * Where one SLO stands for one series after one window: a row of {@code slo_status}.
 *
 * @param good            good events over the SLO's period up to {@code windowEnd}
 * @param total           all events over the same period
 * @param windowGood      good events in this window
 * @param windowTotal     all events in this window
 * @param budgetRemaining 1 − bad ÷ allowed bad over the period ({@code allowed bad = (1 − objective) × total});
 *                        1 when nothing was bad, negative when the budget is overspent
 * @param burnWindows     the tier windows, as written ({@code 5m}, {@code 1h}, …), shortest first
 * @param burnRates       the burn rate over each of {@code burnWindows}: bad ratio ÷ (1 − objective); 0 without events
 * @param state           the SLO's alert after this window: {@code ok}, {@code warning} or {@code critical}
 */
public record SloStatus(
        String slo,
        String type,
        String service,
        String name,
        long windowStart,
        long windowEnd,
        double objective,
        long good,
        long total,
        long windowGood,
        long windowTotal,
        double budgetRemaining,
        String[] burnWindows,
        double[] burnRates,
        String state) {

    /** The row's primary key: SLO, series and window end. */
    public String primaryKey() {
        return CompositeKey.of(slo, type, service, name, Long.toString(windowEnd));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SloStatus s && slo.equals(s.slo) && type.equals(s.type) && service.equals(s.service)
                && name.equals(s.name) && windowStart == s.windowStart && windowEnd == s.windowEnd
                && objective == s.objective && good == s.good && total == s.total && windowGood == s.windowGood
                && windowTotal == s.windowTotal && budgetRemaining == s.budgetRemaining
                && Arrays.equals(burnWindows, s.burnWindows) && Arrays.equals(burnRates, s.burnRates) && state.equals(s.state);
    }

    @Override
    public int hashCode() {
        return primaryKey().hashCode();
    }

    @Override
    public String toString() {
        return "SloStatus[" + slo + " " + type + " " + service + " " + name + " @" + windowEnd + " good=" + good
                + " total=" + total + " budget=" + budgetRemaining + " burn=" + Arrays.toString(burnRates) + " " + state + "]";
    }
}
