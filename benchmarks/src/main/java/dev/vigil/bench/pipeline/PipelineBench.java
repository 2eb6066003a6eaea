package dev.vigil.bench.pipeline;

import dev.vigil.testing.CollectingSink;
import dev.vigil.jobs.LocalRunner;
import dev.vigil.jobs.PipelineConfig;
import dev.vigil.jobs.VigilJob;
import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.stack.EmbeddedStack;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code vigil bench pipeline}: one topic, four bounded runs in their own local Flink clusters with the
 * same parallelism and memory, one after another: decode-only (the limit), the real Vigil job, the naive
 * sort-the-window approach and Flink SQL with {@code PERCENTILE}, each right after an untimed run of its
 * own over a tenth as many other events (steady state: no run pays the JIT alone); {@code raw}, plain
 * Kafka consumers with the job's decoder and no Flink; and decode-only again on the same events in the
 * agent's batch format ({@code decode_batch_eps}). Checks that they agree, then prints one line.
 */
public final class PipelineBench {

    /** @param events events to pre-load; @param series about how many series they spread over */
    public record Settings(long events, int series, int parallelism) {
    }

    public record Report(long events, double decodeEps, double vigilEps, double naiveEps, double flinkSqlEps,
                         long vigilPeakHeapMb, Agreement agreement, double rawEps, double decodeBatchEps,
                         double vigilPostgresCpuSeconds, Steady steady) {
        /** The keys scripts read; keys added later go at the end. */
        public String summaryLine() {
            return String.format(Locale.ROOT,
                    "pipeline-bench events=%d decode_eps=%.0f vigil_eps=%.0f naive_eps=%.0f flinksql_eps=%.0f "
                            + "vigil_vs_decode=%.2f vigil_vs_naive=%.2f vigil_vs_flinksql=%.2f vigil_peak_heap_mb=%d "
                            + "raw_eps=%.0f decode_vs_raw=%.2f decode_batch_eps=%.0f vigil_postgres_cpu_s=%.1f "
                            + "steady_decode_eps=%.0f steady_vigil_eps=%.0f steady_naive_eps=%.0f steady_flinksql_eps=%.0f "
                            + "steady_vigil_vs_decode=%.2f steady_vigil_vs_naive=%.2f steady_vigil_vs_flinksql=%.2f",
                    events, decodeEps, vigilEps, naiveEps, flinkSqlEps, vigilEps / decodeEps, vigilEps / naiveEps,
                    vigilEps / flinkSqlEps, vigilPeakHeapMb, rawEps, decodeEps / rawEps, decodeBatchEps,
                    vigilPostgresCpuSeconds, steady.decodeEps(), steady.vigilEps(), steady.naiveEps(), steady.flinkSqlEps(),
                    steady.vigilEps() / steady.decodeEps(), steady.vigilEps() / steady.naiveEps(),
                    steady.vigilEps() / steady.flinkSqlEps());
        }
    }

    /**
     * Each Flink run's rate while its sources read from {@link #STEADY_FROM} to {@link #STEADY_TO} of the
     * input: start-up, the first seconds of compiling and the last windows' flush left out.
     */
    public record Steady(double decodeEps, double vigilEps, double naiveEps, double flinkSqlEps) {
    }

    /** A run's events per second: over its whole run time, and in its steady interval. */
    private record Rates(double whole, double steady) {
    }

    /** How the runs compared, window by window. */
    public record Agreement(int windows, double worstVigilVsNaive, int sqlOutsideRankBounds) {
    }

    private static final Duration WINDOW = Duration.ofSeconds(60);
    /** The steady interval: from the moment this share of the input was read ... */
    static final double STEADY_FROM = 0.2;
    /** ... to the moment this share was. */
    static final double STEADY_TO = 0.8;
    private static final long PROGRESS_SAMPLE_MILLIS = 20;
    /** Every run's cluster gets the progress reporter, warm-ups too, so that they run the same code. */
    private static final Configuration FLINK_SETTINGS = SourceProgress.flinkSettings();

    private PipelineBench() {
    }

    public static Report run(Settings settings, PrintStream out) throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.builder().topic("bench.pipeline", 4).topic("bench.pipeline.dlq", 1)
                .topic("bench.pipeline.batch", 4).topic("bench.pipeline.warmup", 4).start()) {
            out.printf(Locale.ROOT, "pre-loading %,d events over about %,d series ...%n", settings.events(), settings.series());
            long t0 = System.nanoTime();
            BenchEvents.produce(stack.kafkaBootstrapServers(), "bench.pipeline", settings.events(), settings.series());
            out.printf(Locale.ROOT, "pre-loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            // The same events as the agent sends them, for decode-only on the batch format.
            BenchEvents.produce(stack.kafkaBootstrapServers(), "bench.pipeline.batch", settings.events(), settings.series(), true);
            long warmupEvents = warmupEvents(settings.events());
            BenchEvents.produce(stack.kafkaBootstrapServers(), "bench.pipeline.warmup", warmupEvents, settings.series());
            String db = stack.postgres().createDatabase("bench_pipeline");
            SchemaMigrator.migrate(db);
            String warmupDb = stack.postgres().createDatabase("bench_pipeline_warmup");
            SchemaMigrator.migrate(warmupDb);
            PipelineConfig cfg = PipelineConfig.builder()
                    .kafka(stack.kafkaBootstrapServers())
                    .eventsTopic("bench.pipeline")
                    .deadLetterTopic("bench.pipeline.dlq")
                    .groupId("bench")
                    .postgres(db)
                    .redis(stack.redisUrl())
                    .bounded(true)
                    .window(WINDOW)
                    .parallelism(settings.parallelism())
                    .build();
            // Steady state: right before its measured run, every job runs untimed on a tenth of the input
            // (its own topic; the vigil job into its own database), so no run pays the JIT alone for code
            // that the others reuse.
            PipelineConfig warm = cfg.toBuilder().eventsTopic("bench.pipeline.warmup").postgres(warmupDb).build();
            out.printf(Locale.ROOT, "warm-up: every run first goes untimed over %,d other events%n", warmupEvents);

            untimed(env -> ReferenceJobs.decodeOnly(env, warm), warm);
            Rates decode = timed("decode-only", settings, out, env -> ReferenceJobs.decodeOnly(env, cfg), cfg);
            // The same bytes and decoder without Flink.
            raw(stack, "bench.pipeline.warmup", warmupEvents, settings, cfg, null);
            double raw = raw(stack, "bench.pipeline", settings.events(), settings, cfg, out);
            PipelineConfig batchCfg = cfg.toBuilder().eventsTopic("bench.pipeline.batch").build();
            // Its own warm-up on its own (short) input: the batch decoder is other code than v1's.
            untimed(env -> ReferenceJobs.decodeOnly(env, batchCfg), batchCfg);
            // Its records hold 100 events each, so its sources' progress in records is not its events': whole run only.
            double decodeBatch = timed("decode-batch", settings, out, env -> ReferenceJobs.decodeOnly(env, batchCfg), batchCfg,
                    false).whole();

            untimed(env -> VigilJob.assemble(env, warm), warm);
            resetPeakHeap();
            PostgresCpu postgres = PostgresCpu.of(db);
            double postgresBefore = postgres.seconds();
            Rates vigil = timed("vigil", settings, out, env -> VigilJob.assemble(env, cfg), cfg);
            double postgresCpu = postgres.seconds() - postgresBefore;
            long peakHeapMb = peakHeapMb();
            out.printf(Locale.ROOT, "vigil run: PostgreSQL used %.1f CPU-seconds (every server process, exited ones included)%n",
                    postgresCpu);
            Map<String, WindowStats> vigilRows = readVigil(db);

            untimed(env -> ReferenceJobs.naive(env, warm, new CollectingSink<>("naive-warm-up")), warm);
            new CollectingSink<WindowStats>("naive-warm-up").take();
            CollectingSink<WindowStats> naiveSink = new CollectingSink<>("naive");
            Rates naive = timed("naive", settings, out, env -> ReferenceJobs.naive(env, cfg, naiveSink), cfg);
            Map<String, WindowStats> exact = byKey(naiveSink.take());
            // Checked now, so that the Vigil run's rows need not share the heap with the Flink SQL run.
            double worstVigil = checkVigil(vigilRows, exact);
            vigilRows = null;

            untimed(env -> ReferenceJobs.flinkSql(env, warm, new CollectingSink<>("sql-warm-up")), warm);
            new CollectingSink<WindowStats>("sql-warm-up").take();
            CollectingSink<WindowStats> sqlSink = new CollectingSink<>("flink-sql");
            Rates sql = timed("flink-sql", settings, out, env -> ReferenceJobs.flinkSql(env, cfg, sqlSink), cfg);

            Agreement agreement = new Agreement(exact.size(), worstVigil, checkSql(sqlSink.take(), exact));
            out.printf(Locale.ROOT, "agreement: %,d windows; counts, errors and hits equal in all runs; vigil vs naive "
                            + "worst relative percentile error %.2f%%; Flink SQL percentiles outside the naive run's rank "
                            + "bounds: %d%n", agreement.windows(), agreement.worstVigilVsNaive() * 100,
                    agreement.sqlOutsideRankBounds());
            Report report = new Report(settings.events(), decode.whole(), vigil.whole(), naive.whole(), sql.whole(),
                    peakHeapMb, agreement, raw, decodeBatch, postgresCpu,
                    new Steady(decode.steady(), vigil.steady(), naive.steady(), sql.steady()));
            out.println(report.summaryLine());
            return report;
        }
    }

    /** The warm-up's size: a tenth of the input, at least 1,000 events. */
    static long warmupEvents(long events) {
        return Math.max(1_000, events / 10);
    }

    /** Events per second of {@link RawConsumerRun}: plain consumers, one per thread of the job's parallelism. */
    private static double raw(EmbeddedStack stack, String topic, long events, Settings settings, PipelineConfig cfg,
                              PrintStream out) throws Exception {
        long t0 = System.nanoTime();
        RawConsumerRun.Counts read = RawConsumerRun.readAll(stack.kafkaBootstrapServers(), topic,
                settings.parallelism(), cfg.eventTimeLimits());
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (read.records() != events || read.valid() == 0) {
            throw new IllegalStateException("the raw consumers read " + read.records() + " records of " + events
                    + ", " + read.valid() + " valid");
        }
        double eps = events / seconds;
        if (out != null) {
            out.printf(Locale.ROOT, "%-12s %8.1f s  %,12.0f events/s%n", "raw", seconds, eps);
        }
        return eps;
    }

    /** A warm-up: the job run once, its time not taken. */
    private static void untimed(Consumer<StreamExecutionEnvironment> graph, PipelineConfig cfg) throws Exception {
        LocalRunner.run(cfg, FLINK_SETTINGS, graph);
    }

    /**
     * Events per second of the job's own run time (start to end, cluster start-up excluded), and of its
     * steady interval (sources from {@link #STEADY_FROM} to {@link #STEADY_TO} of the input); prints both
     * and when the sources passed each tenth of the input.
     */
    private static Rates timed(String name, Settings settings, PrintStream out,
                               Consumer<StreamExecutionEnvironment> graph, PipelineConfig cfg) throws Exception {
        return timed(name, settings, out, graph, cfg, true);
    }

    private static Rates timed(String name, Settings settings, PrintStream out, Consumer<StreamExecutionEnvironment> graph,
                               PipelineConfig cfg, boolean oneEventPerRecord) throws Exception {
        SourceProgress.Watch watch = SourceProgress.watch(PROGRESS_SAMPLE_MILLIS);
        JobExecutionResult result;
        try {
            result = LocalRunner.run(cfg, FLINK_SETTINGS, graph);
        } finally {
            watch.stop();
        }
        double seconds = result.getNetRuntime() / 1000.0;
        double eps = settings.events() / seconds;
        if (!oneEventPerRecord) {
            out.printf(Locale.ROOT, "%-12s %8.1f s  %,12.0f events/s%n", name, seconds, eps);
            return new Rates(eps, Double.NaN);
        }
        double steady = watch.rate(settings.events(), STEADY_FROM, STEADY_TO);
        if (!(steady > 0) || Double.isInfinite(steady)) {
            throw new IllegalStateException("the " + name + " run's sources reported no progress (read "
                    + SourceProgress.recordsRead() + " records of " + settings.events() + ")");
        }
        StringBuilder tenths = new StringBuilder();
        for (int i = 1; i <= 10; i++) {
            tenths.append(String.format(Locale.ROOT, " %d%%:%.1f", i * 10, watch.secondsAt(settings.events() * i / 10)));
        }
        out.printf(Locale.ROOT, "%-12s %8.1f s  %,12.0f events/s  steady %,12.0f events/s  read by s:%s%n",
                name, seconds, eps, steady, tenths);
        return new Rates(eps, steady);
    }

    private static Map<String, WindowStats> readVigil(String db) throws Exception {
        Map<String, WindowStats> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db);
             ResultSet rs = c.createStatement().executeQuery("""
                     SELECT type, service, name, window_start, count, errors, coalesce(hits, 0) AS hits, p50_ms, p95_ms, p99_ms
                     FROM metric_windows WHERE name <> '*'""")) {
            while (rs.next()) {
                String key = WindowStats.key(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getObject(4, java.time.OffsetDateTime.class).toInstant().toEpochMilli());
                rows.put(key, new WindowStats(key, rs.getLong(5), rs.getLong(6), rs.getLong(7),
                        new double[] {dbl(rs, 8), dbl(rs, 9), dbl(rs, 10)}, null, null));
            }
        }
        return rows;
    }

    private static double dbl(ResultSet rs, int column) throws java.sql.SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? Double.NaN : v;
    }

    private static Map<String, WindowStats> byKey(List<WindowStats> windows) {
        Map<String, WindowStats> byKey = new HashMap<>();
        windows.forEach(w -> byKey.put(w.key(), w));
        return byKey;
    }

    /** Counts must match exactly, every percentile within 1% of the exact nearest rank; returns the worst error. */
    static double checkVigil(Map<String, WindowStats> vigil, Map<String, WindowStats> exact) {
        if (vigil.size() != exact.size()) {
            throw new IllegalStateException("runs disagree on the number of windows: vigil " + vigil.size()
                    + ", naive " + exact.size());
        }
        double worst = 0;
        for (WindowStats e : exact.values()) {
            WindowStats v = vigil.get(e.key());
            if (v == null) {
                throw new IllegalStateException("window missing from the vigil run: " + e.key());
            }
            sameCounts(e, v, "vigil");
            for (int i = 0; i < e.p().length; i++) {
                if (Double.isNaN(e.p()[i]) || e.p()[i] == 0) {
                    continue;
                }
                double error = Math.abs(v.p()[i] - e.p()[i]) / e.p()[i];
                if (error > 0.01) {
                    throw new IllegalStateException("vigil percentile off by " + error + " for " + e.key());
                }
                worst = Math.max(worst, error);
            }
        }
        return worst;
    }

    /** Counts must match exactly; SQL between the two order statistics it interpolates; returns how many are not. */
    static int checkSql(List<WindowStats> sql, Map<String, WindowStats> exact) {
        if (sql.size() != exact.size()) {
            throw new IllegalStateException("runs disagree on the number of windows: flink-sql " + sql.size()
                    + ", naive " + exact.size());
        }
        int outside = 0;
        for (WindowStats s : sql) {
            WindowStats e = exact.get(s.key());
            if (e == null) {
                throw new IllegalStateException("window of the flink-sql run missing from the naive run: " + s.key());
            }
            sameCounts(e, s, "flink-sql");
            for (int i = 0; i < e.p().length; i++) {
                if (Double.isNaN(e.p()[i]) || e.p()[i] == 0) {
                    continue;
                }
                double lo = e.low()[i] * (1 - 1e-9);
                double hi = e.high()[i] * (1 + 1e-9);
                if (s.p()[i] < lo || s.p()[i] > hi) {
                    outside++;
                }
            }
        }
        return outside;
    }

    private static void sameCounts(WindowStats exact, WindowStats run, String name) {
        if (run.count() != exact.count() || run.errors() != exact.errors() || run.hits() != exact.hits()) {
            throw new IllegalStateException("counts differ for " + exact.key() + ": naive " + exact + ", " + name + " " + run);
        }
    }

    private static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long peakHeapMb() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / (1024 * 1024);
    }

    /** {@code java -cp … dev.vigil.bench.pipeline.PipelineBench [events] [series]} */
    public static void main(String[] args) throws Exception {
        long events = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000;
        int series = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        run(new Settings(events, series, 2), System.out);
    }
}
