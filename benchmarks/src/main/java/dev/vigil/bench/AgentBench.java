package dev.vigil.bench;

import dev.vigil.bench.agent.AdvicePathBenchmark;
import dev.vigil.bench.agent.AgentDropPathBenchmark;
import dev.vigil.bench.agent.AgentRecordBenchmark;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.annotations.Mode;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code vigil bench agent}: the agent's {@code recordRequest} against Micrometer's {@code Timer.record}
 * (percentile histogram), one and two threads, with the GC profiler; the drop path; and the background
 * CPU per event against a real broker. Ends with the one-line summary.
 */
public final class AgentBench {

    /** How long JMH runs: iterations of one second each. */
    public record Settings(int warmupIterations, int measurementIterations, int forks, int backgroundEvents,
                           int pacedSeconds) {
        public static Settings standard() {
            return new Settings(5, 10, 1, 1_000_000, 20);
        }

        public static Settings quick() {
            return new Settings(2, 3, 1, 200_000, 5);
        }
    }

    /** Two events per request of a service answering 10,000 requests a second. */
    static final int PACED_EVENTS_PER_SECOND = 20_000;

    /** The numbers of one run. */
    public record Report(double agentNs, double micrometerNs, double agentBytes, double agent2ThreadsNs,
                         double micrometer2ThreadsNs, double micrometerBytes, double dropPathNs,
                         String measuredDrops, BackgroundCost.Result background, BackgroundCost.Result paced,
                         double adviceNs, double adviceBytes) {
        public String summaryLine() {
            return String.format(java.util.Locale.ROOT,
                    "agent-bench agent_ns_per_op=%.1f micrometer_ns_per_op=%.1f ratio=%.2f agent_bytes_per_op=%.0f "
                            + "agent_background_ns_per_event=%.0f agent_paced_ns_per_event=%.0f "
                            + "advice_ns_per_request=%.0f advice_bytes_per_request=%.0f",
                    agentNs, micrometerNs, agentNs / micrometerNs, agentBytes, background.cpuNanosPerEvent(),
                    paced.cpuNanosPerEvent(), adviceNs, adviceBytes);
        }
    }

    private AgentBench() {
    }

    public static Report run(Settings settings, PrintStream out) throws Exception {
        Path drops = Files.createTempFile("vigil-agent-bench-drops-", ".txt");
        try {
            Options options = new OptionsBuilder()
                    .include(AgentRecordBenchmark.class.getName())
                    .include(AgentDropPathBenchmark.class.getName())
                    .include(MicrometerTimerBenchmark.class.getName())
                    .include(AdvicePathBenchmark.class.getName())
                    .mode(Mode.AverageTime)
                    .timeUnit(TimeUnit.NANOSECONDS)
                    .warmupIterations(settings.warmupIterations())
                    .warmupTime(TimeValue.seconds(1))
                    .measurementIterations(settings.measurementIterations())
                    .measurementTime(TimeValue.seconds(1))
                    .forks(settings.forks())
                    .addProfiler(GCProfiler.class)
                    .jvmArgsAppend("-Xmx3g", "-Dvigil.bench.drops=" + drops)
                    .build();
            Collection<RunResult> results = new Runner(options).run();
            Map<String, double[]> byName = new HashMap<>();
            for (RunResult r : results) {
                String name = r.getParams().getBenchmark();
                byName.put(name.substring(name.lastIndexOf('.') + 1),
                        new double[] {r.getPrimaryResult().getScore(), allocatedBytesPerOp(r)});
            }
            String measuredDrops = String.join("; ", Files.readAllLines(drops));

            out.println();
            out.println("Background cost against a real broker (" + settings.backgroundEvents() + " events) ...");
            BackgroundCost.Result background = BackgroundCost.measure(settings.backgroundEvents());
            out.println("... and at a steady " + PACED_EVENTS_PER_SECOND + " events/s for " + settings.pacedSeconds() + " s ...");
            BackgroundCost.Result paced = BackgroundCost.measurePaced(PACED_EVENTS_PER_SECOND, settings.pacedSeconds());

            Report report = new Report(
                    byName.get("recordRequest")[0], byName.get("record")[0], byName.get("recordRequest")[1],
                    byName.get("recordRequest2Threads")[0], byName.get("record2Threads")[0], byName.get("record")[1],
                    byName.get("recordRequestWhenFull")[0], measuredDrops, background, paced,
                    byName.get("oneRequest")[0], byName.get("oneRequest")[1]);
            print(report, out);
            return report;
        } finally {
            Files.deleteIfExists(drops);
        }
    }

    private static double allocatedBytesPerOp(RunResult r) {
        for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
            if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                return e.getValue().getScore();
            }
        }
        return Double.NaN;
    }

    static void print(Report r, PrintStream out) {
        out.println();
        out.printf(java.util.Locale.ROOT, "agent recordRequest        1 thread : %7.1f ns/op, %4.0f B/op%n", r.agentNs(), r.agentBytes());
        out.printf(java.util.Locale.ROOT, "micrometer Timer.record    1 thread : %7.1f ns/op, %4.0f B/op%n", r.micrometerNs(), r.micrometerBytes());
        out.printf(java.util.Locale.ROOT, "agent recordRequest        2 threads: %7.1f ns/op (each)%n", r.agent2ThreadsNs());
        out.printf(java.util.Locale.ROOT, "micrometer Timer.record    2 threads: %7.1f ns/op (each)%n", r.micrometer2ThreadsNs());
        out.printf(java.util.Locale.ROOT, "agent drop path (buffer full)       : %7.1f ns/op%n", r.dropPathNs());
        out.printf(java.util.Locale.ROOT, "javaagent advice, one request (handler, a pool-wrapped query, route naming, "
                + "two events): %.1f ns/op, %.0f B/op%n", r.adviceNs(), r.adviceBytes());
        out.println("drops during measured iterations     : " + r.measuredDrops());
        out.printf(java.util.Locale.ROOT, "background CPU per event (encode + send to a real broker): %.0f ns; sender throughput %.0f events/s%n",
                r.background().cpuNanosPerEvent(), r.background().eventsPerSecond());
        out.printf(java.util.Locale.ROOT, "background CPU per event at a steady %d events/s (wake-ups included): %.0f ns (%.1f ms of CPU a second)%n",
                PACED_EVENTS_PER_SECOND, r.paced().cpuNanosPerEvent(), r.paced().cpuNanosPerEvent() * PACED_EVENTS_PER_SECOND / 1e6);
        out.println(r.summaryLine());
    }

    /** For a quick look without the CLI: {@code java -cp … dev.vigil.bench.AgentBench [--quick]}. */
    public static void main(String[] args) throws Exception {
        run(List.of(args).contains("--quick") ? Settings.quick() : Settings.standard(), System.out);
    }
}
