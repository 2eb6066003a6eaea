package dev.vigil.cli;

import dev.vigil.dashboard.DashboardServer;
import dev.vigil.demo.DemoTimeline;
import dev.vigil.demo.Incident;
import dev.vigil.demo.SimulatedTraffic;
import dev.vigil.events.Topics;
import dev.vigil.jobs.DurationConverter;
import dev.vigil.jobs.LocalRunner;
import dev.vigil.jobs.RuleCatalog;
import dev.vigil.jobs.PipelineConfig;
import dev.vigil.jobs.VigilJob;
import dev.vigil.model.AlertEvent;
import dev.vigil.sinks.postgres.PostgresUrl;
import dev.vigil.sinks.redis.AlertPayload;
import dev.vigil.sinks.redis.AlertChannels;
import dev.vigil.sinks.redis.AlertSubscription;
import dev.vigil.sinks.redis.RedisUrl;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.stack.Ports;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The whole pipeline on embedded defaults: starts Kafka, PostgreSQL and Redis, runs the job in a local "
                    + "Flink cluster (web UI on a printed port), and runs simulated services (an API with its database "
                    + "and two-level cache, a payments service, a social-media scraper) that report through the real "
                    + "ingest agent. A scripted timeline causes four incidents; their alerts are printed as they "
                    + "arrive from Redis. At the end: a summary read back from PostgreSQL, the alerts, example SQL.",
            "Ctrl-C stops everything cleanly at any moment."
        })
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "2m", converter = DurationConverter.class,
            description = "How long the simulated services run (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "Window size of the job (default: ${DEFAULT-VALUE}).")
    Duration window;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "1000",
            description = "Events per second from the API and payments services (default: ${DEFAULT-VALUE}; the scraper adds 24).")
    int rate;

    @Option(names = "--keep", description = "Leave Kafka, PostgreSQL and Redis running afterwards (Ctrl-C stops them).")
    boolean keep;

    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicInteger alertCount = new AtomicInteger();
    private volatile EmbeddedStack stack;
    private volatile SimulatedTraffic traffic;
    private volatile JobClient job;
    private volatile AlertSubscription subscription;
    private volatile DashboardServer dashboard;

    @Override
    public Integer call() throws Exception {
        if (rate < 50) {
            throw new IllegalArgumentException("--rate must be at least 50 events/s, or windows are too thin to judge");
        }
        PrintStream out = System.out;
        System.setOut(System.err); // library chatter goes to stderr; the demo's own output stays readable
        introduce(out);
        out.println("starting Kafka, PostgreSQL and Redis ...");
        stack = LocalStack.start(0, 0, 0, Topics.EVENTS, 4, Topics.DEAD_LETTER);
        Thread hook = new Thread(this::shutdown, "vigil-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        int webUiPort = Ports.orFree(0);
        startJob(webUiPort);
        dashboard = DashboardServer.builder()
                .postgres(PostgresUrl.parse(stack.postgresJdbcUrl()))
                .redis(RedisUrl.parse(stack.redisUrl()))
                .port(0)
                .build()
                .start();
        out.println();
        out.println(LocalStack.connectionLines(stack));
        out.println("Flink web UI: http://localhost:" + webUiPort);
        out.println("dashboard=" + dashboard.url());
        out.println();

        subscribe(out);
        long start = System.currentTimeMillis();
        DemoTimeline timeline = DemoTimeline.plan(start, window);
        printTimeline(timeline, start, out);
        traffic = new SimulatedTraffic(stack.kafkaBootstrapServers(), Topics.EVENTS, timeline, rate);
        traffic.start();
        runFor(duration, start, out);

        finish(out);
        if (keep) {
            out.println();
            out.println("The stack keeps running (--keep); Ctrl-C stops it:");
            out.println(LocalStack.connectionLines(stack));
            out.println("dashboard=" + dashboard.url());
            out.flush();
            new CountDownLatch(1).await(); // until Ctrl-C: the hook stops the stack
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        shutdown();
        return 0;
    }

    private void introduce(PrintStream out) {
        Duration needed = DemoTimeline.minimumDuration(window);
        out.printf(Locale.ROOT, "Vigil demo: %s of simulated traffic, %s windows, about %d events/s%n",
                human(duration), human(window), rate + 24);
        if (duration.compareTo(needed) < 0) {
            out.printf("note: at --window %s the incidents need about %s to fire and resolve; --duration %s ends earlier%n",
                    human(window), human(needed), human(duration));
        }
    }

    /** The real job, Kafka to PostgreSQL and Redis, in a local cluster serving the web UI. */
    private void startJob(int webUiPort) throws Exception {
        PipelineConfig cfg = PipelineConfig.builder()
                .kafka(stack.kafkaBootstrapServers())
                .groupId("vigil-demo")
                .postgres(stack.postgresJdbcUrl())
                .redis(stack.redisUrl())
                .window(window)
                // The simulated services send in event-time order, so the watermark may follow closely.
                .outOfOrderness(Duration.ofSeconds(2))
                .idleTimeout(Duration.ofSeconds(5))
                .checkpointInterval(Duration.ofSeconds(10))
                .parallelism(2)
                .build();
        RuleCatalog.publish(cfg.postgres(), cfg.rules());
        StreamExecutionEnvironment env = LocalRunner.environment(cfg, webUiPort);
        VigilJob.assemble(env, cfg);
        job = env.executeAsync("vigil-demo");
    }

    private static void printTimeline(DemoTimeline timeline, long start, PrintStream out) {
        out.println("Incident timeline (from now):");
        for (Incident i : timeline.incidents()) {
            out.printf(Locale.ROOT, "  +%3ds to +%3ds  %-50s %s %s %s -> %s%n", (i.startMs() - start) / 1000,
                    (i.endMs() - start) / 1000, i.title(), i.service(), i.type(), i.name(), i.rule());
        }
        out.println();
        out.println("Alerts, as they arrive on Redis (" + AlertChannels.ALL + "):");
    }

    /** Stops the traffic and the job once the last window is in, then prints the summary. */
    private void finish(PrintStream out) throws Exception {
        traffic.close();
        Thread.sleep(window.toMillis() / 2); // let the last full window reach the job
        job.cancel().get(30, TimeUnit.SECONDS);
        if (subscription != null) {
            subscription.close();
        }
        clearProgress(out);
        new DemoSummary(stack.postgresJdbcUrl()).print(out);
    }

    private void runFor(Duration d, long start, PrintStream out) throws InterruptedException {
        boolean interactive = System.console() != null;
        long end = start + d.toMillis();
        long lastAccepted = 0;
        long lastPrint = 0;
        while (System.currentTimeMillis() < end) {
            Thread.sleep(1_000);
            long accepted = traffic.stats().accepted();
            long perSecond = accepted - lastAccepted;
            lastAccepted = accepted;
            long elapsed = (System.currentTimeMillis() - start) / 1000;
            String line = progress(elapsed, perSecond);
            if (interactive) {
                synchronized (out) {
                    out.print("\r" + line + "   ");
                    out.flush();
                }
            } else if (elapsed - lastPrint >= 10) {
                lastPrint = elapsed;
                synchronized (out) {
                    out.println(line);
                }
            }
        }
    }

    private String progress(long elapsedSeconds, long perSecond) {
        long windows = 0;
        long processed = 0;
        try (Connection c = DriverManager.getConnection(stack.postgresJdbcUrl());
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT count(*), coalesce(sum(count) FILTER (WHERE name = '*'), 0) FROM metric_windows")) {
            rs.next();
            windows = rs.getLong(1);
            processed = rs.getLong(2);
        } catch (SQLException e) {
            // the progress line is best effort
        }
        return String.format(Locale.ROOT, "[%4ds] %,6d events/s produced | %,10d events in written windows | %,6d window rows | %d alerts",
                elapsedSeconds, perSecond, processed, windows, alertCount.get());
    }

    private void subscribe(PrintStream out) throws InterruptedException {
        subscription = AlertSubscription.start(RedisUrl.parse(stack.redisUrl()), AlertChannels.ALL, false, message -> {
            alertCount.incrementAndGet();
            synchronized (out) {
                clearProgress(out);
                out.println(AlertLine.format(AlertPayload.fromJson(message)));
                out.flush();
            }
        });
    }

    private static void clearProgress(PrintStream out) {
        if (System.console() != null) {
            out.print("\r" + " ".repeat(120) + "\r");
        }
    }

    /** Stops traffic, the job and the stack; runs once, from the end of the demo or from Ctrl-C. */
    private void shutdown() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        try {
            if (traffic != null) {
                traffic.close();
            }
        } catch (Exception ignored) {
            // shutting down
        }
        try {
            if (subscription != null) {
                subscription.close();
            }
        } catch (Exception ignored) {
            // shutting down
        }
        if (dashboard != null) {
            dashboard.close();
        }
        try {
            if (job != null) {
                job.cancel().get(20, TimeUnit.SECONDS);
            }
        } catch (Exception ignored) {
            // already finished or cancelled
        }
        if (stack != null) {
            stack.close();
        }
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s % 60 == 0 && s >= 60 ? (s / 60) + "m" : s + "s";
    }
}
