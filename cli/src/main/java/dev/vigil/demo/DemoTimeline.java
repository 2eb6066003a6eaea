package dev.vigil.demo;

import java.time.Duration;
import java.util.List;

/**
 * When the demo's incidents happen. Each lasts exactly three windows, aligned to window boundaries, so
 * two full windows breach (the default rules fire after {@code for: 2}) and, once it is over, two
 * full windows pass ({@code resolve_after: 2}). Two incidents start at the first boundary after the
 * traffic starts, two one window later; the last one resolves about seven windows after the start.
 */
public record DemoTimeline(long trafficStartMs, long windowMs, List<Incident> incidents, long lastResolveMs) {

    /** Time after a window's end until the job has written it: the demo's out-of-orderness plus slack. */
    public static final long WINDOW_LAG_MS = 4_000;

    public static DemoTimeline plan(long trafficStartMs, Duration window) {
        long w = window.toMillis();
        long b = (trafficStartMs / w + 1) * w; // the next window boundary
        List<Incident> incidents = List.of(
                new Incident("latency spike on one endpoint (p95 over 500 ms)", "request-p95", "request",
                        SimulatedTraffic.API, SimulatedTraffic.SPIKED_ROUTE, b, b + 3 * w),
                new Incident("error burst on one service (over 5% errors)", "request-error-rate", "request",
                        SimulatedTraffic.PAYMENTS, SimulatedTraffic.PAYMENTS_ROUTE, b, b + 3 * w),
                new Incident("cache degradation (hit rate under 70%)", "cache-hit-rate", "cache",
                        SimulatedTraffic.API, SimulatedTraffic.DEGRADED_CACHE, b + w, b + 4 * w),
                new Incident("scraper outage on one platform (failures over 5%)", "scraper-failure-rate", "scraper",
                        SimulatedTraffic.CRAWLER, SimulatedTraffic.FAILING_PLATFORM, b + w, b + 4 * w));
        long lastEnd = incidents.stream().mapToLong(Incident::endMs).max().orElseThrow();
        return new DemoTimeline(trafficStartMs, w, incidents, lastEnd + 2 * w + WINDOW_LAG_MS);
    }

    /** How long the demo must run for every incident to fire and resolve (worst case alignment). */
    public static Duration minimumDuration(Duration window) {
        return Duration.ofMillis(7 * window.toMillis() + WINDOW_LAG_MS);
    }

    public Incident active(String service, String name, long epochMs) {
        for (Incident i : incidents) {
            if (i.service().equals(service) && i.name().equals(name) && i.activeAt(epochMs)) {
                return i;
            }
        }
        return null;
    }
}
