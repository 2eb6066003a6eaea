package dev.vigil.jobs;

import dev.vigil.events.CacheLevel;
import dev.vigil.events.MetricEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A deterministic event mix for the integration tests: several services, every type, three latency
 * shapes (uniform, log-normal, bimodal with a long tail), errors, cache hits and misses, and event
 * times jittered up to 3 s backwards (out of order, but within the 5 s bound).
 */
final class Workload {

    static final String[] SERVICES = {"checkout", "search", "crawler"};
    static final String[] ROUTES = {"GET /cart/{id}", "POST /cart", "GET /search", "GET /health"};
    static final String[] QUERIES = {"SELECT cart", "UPDATE cart", "SELECT users"};
    static final String[] CACHES = {"plan_catalog", "sessions"};
    static final String[] PLATFORMS = {"twitter", "reddit", "mastodon"};

    private Workload() {
    }

    /** {@code n} events whose base times advance evenly from {@code start} over {@code spanMs}. */
    static List<MetricEvent> generate(long seed, int n, long start, long spanMs) {
        Random r = new Random(seed);
        List<MetricEvent> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long base = start + (long) ((double) i / n * spanMs);
            long ts = Math.max(start, base - r.nextInt(3000));
            String service = SERVICES[r.nextInt(SERVICES.length)];
            boolean error = r.nextDouble() < 0.03;
            switch (r.nextInt(4)) {
                case 0 -> {
                    int k = r.nextInt(ROUTES.length);
                    int status = error ? (r.nextBoolean() ? 500 : 503) : (r.nextDouble() < 0.05 ? 404 : 200);
                    events.add(MetricEvent.request(ts, service, ROUTES[k], "i-" + r.nextInt(3), latency(r, k), status, "GET"));
                }
                case 1 -> {
                    int k = r.nextInt(QUERIES.length);
                    events.add(MetricEvent.query(ts, service, QUERIES[k], null, latency(r, k) / 10, error, r.nextInt(100)));
                }
                case 2 -> {
                    int k = r.nextInt(CACHES.length);
                    double duration = r.nextBoolean() ? Double.NaN : micros(0.05 + r.nextDouble() * 2);
                    events.add(MetricEvent.cache(ts, service, CACHES[k], null, r.nextDouble() < 0.85,
                            r.nextBoolean() ? CacheLevel.L1 : CacheLevel.L2, duration, false));
                }
                default -> {
                    int k = r.nextInt(PLATFORMS.length);
                    events.add(MetricEvent.scrape(ts, service, PLATFORMS[k], null, latency(r, k) * 40, error, r.nextInt(50)));
                }
            }
        }
        return events;
    }

    /** Shape by name index: 0 uniform, 1 log-normal, 2 bimodal with a long tail, 3 narrow uniform. */
    private static double latency(Random r, int shape) {
        double ms = switch (shape) {
            case 0 -> 1 + r.nextDouble() * 199;
            case 1 -> Math.exp(Math.log(40) + 0.9 * r.nextGaussian());
            case 2 -> r.nextDouble() < 0.9 ? Math.max(1, 20 + 3 * r.nextGaussian()) : 500 + r.nextDouble() * 2500;
            default -> 5 + r.nextDouble() * 2;
        };
        return micros(ms);
    }

    /** Event durations at microsecond resolution, as agents report them. */
    private static double micros(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }
}
