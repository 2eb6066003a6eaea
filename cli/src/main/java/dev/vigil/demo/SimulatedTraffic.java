package dev.vigil.demo;

import dev.vigil.agent.AgentStats;
import dev.vigil.agent.MetricsAgent;
import dev.vigil.events.CacheLevel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Three simulated services that report through the real ingest agent, the way instrumented services
 * would: an API service (REST endpoints, its database layer, a two-level cache), a payments service,
 * and a social-media scraper. Baseline traffic sits well inside the default SLAs; during an incident
 * of the {@link DemoTimeline} one series breaches its rule.
 *
 * <p>Rare errors are spaced by counters rather than drawn at random, so a quiet window never crosses
 * a threshold by bad luck.
 */
public final class SimulatedTraffic implements AutoCloseable {

    public static final String API = "api";
    public static final String PAYMENTS = "payments";
    public static final String CRAWLER = "crawler";
    public static final String SPIKED_ROUTE = "GET /api/search";
    public static final String PAYMENTS_ROUTE = "POST /payments";
    public static final String DEGRADED_CACHE = "plan_catalog";
    public static final String FAILING_PLATFORM = "reddit";

    private static final String[] ROUTES = {"GET /api/items/{id}", "GET /api/users/{id}", "POST /api/cart", SPIKED_ROUTE, "GET /api/health"};
    private static final double[] ROUTE_SHARE = {0.45, 0.30, 0.15, 0.04, 0.06};
    private static final double[] ROUTE_MEDIAN_MS = {35, 25, 60, 80, 2};
    private static final String[] QUERIES = {"SELECT items", "SELECT users", "UPDATE cart", "SELECT report"};
    private static final double[] QUERY_SHARE = {0.50, 0.30, 0.15, 0.05};
    private static final double[] QUERY_MEDIAN_MS = {3, 2, 5, 30};
    private static final String[] PLATFORMS = {"twitter", FAILING_PLATFORM, "mastodon"};
    private static final int SCRAPES_PER_SECOND_PER_PLATFORM = 8;

    private final DemoTimeline timeline;
    private final int rate;
    private final List<MetricsAgent> agents = new ArrayList<>();
    private final MetricsAgent api;
    private final MetricsAgent payments;
    private final MetricsAgent crawler;
    private final Thread thread;
    private final Random random = new Random(42);
    private final long[] requestCounter = new long[ROUTES.length];
    private long paymentsCounter;
    private final long[] scrapeCounter = new long[PLATFORMS.length];
    private volatile boolean running = true;

    /**
     * @param rate API + payments events per second (the scraper adds 24/s)
     */
    public SimulatedTraffic(String bootstrapServers, String topic, DemoTimeline timeline, int rate) {
        this.timeline = timeline;
        this.rate = rate;
        api = agent(API, bootstrapServers, topic);
        payments = agent(PAYMENTS, bootstrapServers, topic);
        crawler = agent(CRAWLER, bootstrapServers, topic);
        thread = new Thread(this::run, "demo-traffic");
        thread.setDaemon(true);
    }

    private MetricsAgent agent(String service, String bootstrapServers, String topic) {
        MetricsAgent agent = MetricsAgent.builder().service(service).instance(service + "-1")
                .bootstrapServers(bootstrapServers).topic(topic).closeTimeout(Duration.ofSeconds(5)).build();
        agents.add(agent);
        return agent;
    }

    public void start() {
        thread.start();
    }

    /** Every 10 ms, the events of that 10 ms; fractions carry over so the rates are exact on average. */
    private void run() {
        long tickNanos = TimeUnit.MILLISECONDS.toNanos(10);
        long next = System.nanoTime();
        double apiCarry = 0;
        double scrapeCarry = 0;
        while (running) {
            long now = System.currentTimeMillis();
            apiCarry += rate / 100.0;
            while (apiCarry >= 1) {
                apiCarry -= 1;
                oneEvent(now);
            }
            scrapeCarry += PLATFORMS.length * SCRAPES_PER_SECOND_PER_PLATFORM / 100.0;
            while (scrapeCarry >= 1) {
                scrapeCarry -= 1;
                scrape(now);
            }
            next += tickNanos;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                LockSupport.parkNanos(sleep);
            }
        }
    }

    private void oneEvent(long now) {
        double kind = random.nextDouble();
        if (kind < 0.50) {
            request(now);
        } else if (kind < 0.75) {
            int q = pick(QUERY_SHARE);
            api.recordQuery(QUERIES[q], nanos(logNormal(QUERY_MEDIAN_MS[q], 0.4)), false);
        } else if (kind < 0.95) {
            cache(now);
        } else {
            boolean burst = timeline.active(PAYMENTS, PAYMENTS_ROUTE, now) != null;
            long n = ++paymentsCounter;
            boolean error = burst ? n % 4 == 0 : n % 5000 == 0; // 25% during the burst
            payments.recordRequest(PAYMENTS_ROUTE, error ? 503 : 201, nanos(logNormal(80, 0.4)));
        }
    }

    private void request(long now) {
        int r = pick(ROUTE_SHARE);
        long n = ++requestCounter[r];
        int status = n % 5000 == 0 ? 503 : (n % 33 == 0 ? 404 : 200);
        double median = ROUTE_MEDIAN_MS[r];
        double sigma = 0.5;
        if (ROUTES[r].equals(SPIKED_ROUTE) && timeline.active(API, SPIKED_ROUTE, now) != null) {
            median = 650;
            sigma = 0.25; // p95 about 980 ms, p99 about 1,160 ms: p95 critical, p99 still fine
        }
        api.recordRequest(ROUTES[r], status, nanos(logNormal(median, sigma)));
    }

    private void cache(long now) {
        boolean catalog = random.nextDouble() < 0.25;
        String name = catalog ? DEGRADED_CACHE : "sessions";
        double hitRate = catalog ? 0.88 : 0.92;
        if (catalog && timeline.active(API, DEGRADED_CACHE, now) != null) {
            hitRate = 0.60;
        }
        double x = random.nextDouble();
        if (x < hitRate * 0.8) {
            api.recordCache(name, true, CacheLevel.L1, nanos(0.05));
        } else if (x < hitRate) {
            api.recordCache(name, true, CacheLevel.L2, nanos(0.8));
        } else {
            api.recordCache(name, false, null, nanos(3));
        }
    }

    private void scrape(long now) {
        int p = random.nextInt(PLATFORMS.length);
        long n = ++scrapeCounter[p];
        boolean outage = timeline.active(CRAWLER, PLATFORMS[p], now) != null;
        if (outage) {
            crawler.recordScrape(PLATFORMS[p], nanos(200 + random.nextDouble() * 300), true); // refused fast
        } else {
            crawler.recordScrape(PLATFORMS[p], nanos(1_000 + random.nextDouble() * 2_000), n % 400 == 0);
        }
    }

    private int pick(double[] shares) {
        double x = random.nextDouble();
        for (int i = 0; i < shares.length; i++) {
            x -= shares[i];
            if (x < 0) {
                return i;
            }
        }
        return shares.length - 1;
    }

    private double logNormal(double median, double sigma) {
        return median * Math.exp(sigma * random.nextGaussian());
    }

    private static long nanos(double ms) {
        return (long) (ms * 1_000_000);
    }

    /** Events accepted and sent so far, over all simulated services. */
    public AgentStats stats() {
        long accepted = 0;
        long sent = 0;
        long dropped = 0;
        long failed = 0;
        long inFlight = 0;
        long invalid = 0;
        for (MetricsAgent a : agents) {
            AgentStats s = a.stats();
            accepted += s.accepted();
            sent += s.sent();
            dropped += s.dropped();
            failed += s.failed();
            inFlight += s.inFlight();
            invalid += s.invalid();
        }
        return new AgentStats(accepted, sent, dropped, failed, inFlight, invalid);
    }

    /** Stops producing and flushes the agents. Safe to call more than once. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        if (thread.isAlive()) {
            thread.join(2_000);
        }
        agents.forEach(MetricsAgent::close);
    }
}
