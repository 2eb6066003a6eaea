package dev.vigil.bench;

import dev.vigil.bench.overhead.OverheadBench;
import dev.vigil.bench.pipeline.PipelineBench;
import dev.vigil.bench.sql.SqlBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code vigil bench}: the benchmarks' own command. The {@code ./vigil} script starts it with this
 * module's class path, so the product's class path never carries JMH, the Table planner or Micrometer.
 */
@Command(
        name = "vigil bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks. Each prints its measurements and ends with one summary line.",
        subcommands = {BenchCli.Agent.class, BenchCli.Overhead.class, BenchCli.Pipeline.class, BenchCli.Decode.class, BenchCli.Sql.class,
                CommandLine.HelpCommand.class})
public final class BenchCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out); // `vigil bench` alone: list the benchmarks
    }

    /** Logging goes to stderr: {@code ./vigil bench} sets {@code -Dlog4j2.configurationFile=classpath:bench-log4j2.xml}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }

    @Command(
            name = "pipeline",
            mixinStandardHelpOptions = true,
            description = {
                "Pre-loads N events into an embedded Kafka topic, then runs bounded jobs over it, one after another, "
                        + "each in its own local Flink cluster with the same parallelism and each right after an untimed "
                        + "run of its own over a tenth as many other events (steady state): decode-only (the limit), raw "
                        + "(plain Kafka consumers with the same decoder, no Flink), decode-batch (decode-only over the same "
                        + "events in the agent's batch format), the real Vigil job (with PostgreSQL and Redis sinks), the "
                        + "naive approach (every value kept in window state and sorted) and Flink SQL (TUMBLE windows, "
                        + "PERCENTILE). Checks that they agree (Vigil's rows read back from PostgreSQL), then prints:",
                "pipeline-bench events=<N> decode_eps=<a> vigil_eps=<b> naive_eps=<c> flinksql_eps=<d> "
                        + "vigil_vs_decode=<b/a> vigil_vs_naive=<b/c> vigil_vs_flinksql=<b/d> vigil_peak_heap_mb=<h> "
                        + "raw_eps=<r> decode_vs_raw=<a/r> decode_batch_eps=<e> vigil_postgres_cpu_s=<p>",
                "<p> is the CPU time PostgreSQL spent during the Vigil run (all its processes, from /proc)."
            })
    static final class Pipeline implements Callable<Integer> {
        @Option(names = "--events", paramLabel = "N", defaultValue = "5000000", description = "Events to pre-load (default: ${DEFAULT-VALUE}).")
        long events;

        @Option(names = "--series", paramLabel = "S", defaultValue = "2000", description = "About how many series (default: ${DEFAULT-VALUE}).")
        int series;

        @Option(names = "--parallelism", paramLabel = "P", defaultValue = "2", description = "Parallelism of every run (default: ${DEFAULT-VALUE}).")
        int parallelism;

        @Override
        public Integer call() throws Exception {
            PipelineBench.run(new PipelineBench.Settings(events, series, parallelism), System.out);
            return 0;
        }
    }

    @Command(
            name = "agent",
            mixinStandardHelpOptions = true,
            description = {
                "JMH, in forked JVMs: the agent's recordRequest against Micrometer's Timer.record (SimpleMeterRegistry, "
                        + "percentile histogram), 1 and 2 threads, with the GC profiler; the drop path; the -javaagent's advice "
                        + "for one request; then the agent's "
                        + "background CPU per event against a real embedded Kafka broker.",
                "Ends with: agent-bench agent_ns_per_op=<x> micrometer_ns_per_op=<y> ratio=<x/y> agent_bytes_per_op=<z> "
                        + "agent_background_ns_per_event=<n> agent_paced_ns_per_event=<p> advice_ns_per_request=<a> "
                        + "advice_bytes_per_request=<b> (the last two: what the -javaagent's advice adds to one request of "
                        + "the overhead benchmark's service, on its thread)",
                "Takes about 2 minutes (--quick: about 1 minute, noisier)."
            })
    static final class Agent implements Callable<Integer> {
        @Option(names = "--quick", description = "Fewer, shorter iterations.")
        boolean quick;

        @Override
        public Integer call() throws Exception {
            AgentBench.run(quick ? AgentBench.Settings.quick() : AgentBench.Settings.standard(), System.out);
            return 0;
        }
    }

    @Command(
            name = "overhead",
            mixinStandardHelpOptions = true,
            description = {
                "The -javaagent on a real service: a JDK HTTP server doing one PostgreSQL query per request through "
                        + "a HikariCP pool, in its own JVM, loaded by wrk without and with the agent (sending to an "
                        + "embedded broker): --jvms pairs of service JVMs, one without the agent and one with, both "
                        + "warmed up, then --rounds runs of each, alternating (ABBA); requests/s, p50/p99 latency and the "
                        + "service process's CPU per request. Every request the service served must be in Kafka. Needs wrk.",
                "Ends with: agent-overhead rps_ratio=<with/without> p99_ratio=<with/without> cpu_per_request_ratio=<with/without> "
                        + "best_rps_ratio=<r> best_p99_ratio=<p> best_cpu_per_request_ratio=<c> paired_rps_ratio=<r> "
                        + "paired_p99_ratio=<p> paired_cpu_per_request_ratio=<c> paired_cpu_q1=<q> paired_cpu_q3=<q> pairs=<n> "
                        + "(medians of all runs; each side's best run; the median of each round's with/without ratio, "
                        + "and the quartiles of the CPU ratios)",
                "Takes about 8 minutes with the defaults."
            })
    static final class Overhead implements Callable<Integer> {
        @Option(names = "--seconds", paramLabel = "S", defaultValue = "10", description = "Each measured wrk run (default: ${DEFAULT-VALUE}).")
        int seconds;

        @Option(names = "--warmup", paramLabel = "S", defaultValue = "60", description = "Untimed wrk run of each service JVM first; the JIT needs a minute or more on 2 cores, the service with the agent longer (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--connections", paramLabel = "N", defaultValue = "16", description = "wrk connections (default: ${DEFAULT-VALUE}).")
        int connections;

        @Option(names = "--threads", paramLabel = "N", defaultValue = "1", description = "wrk threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "6", description = "Measured runs of each service per pair of JVMs, alternating (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--jvms", paramLabel = "N", defaultValue = "2",
                description = "Pairs of service JVMs (one without the agent, one with), one pair after the other: the JIT "
                        + "compiles each JVM its own way (default: ${DEFAULT-VALUE}).")
        int jvms;

        @Option(names = "--service-cpu", paramLabel = "N", defaultValue = "-1",
                description = "Run the service alone on CPU N (taskset) and wrk, PostgreSQL and the broker on the others, so the "
                        + "agent's cost shows in the service's own throughput instead of in a fight for shared cores "
                        + "(default: no pinning).")
        int serviceCpu;

        @Override
        public Integer call() throws Exception {
            OverheadBench.run(new OverheadBench.Settings(seconds, warmup, connections, threads, rounds, serviceCpu, jvms), System.out);
            return 0;
        }
    }

    @Command(
            name = "decode",
            mixinStandardHelpOptions = true,
            description = {
                "JMH, one thread: the source's per-record decision (v1 codec and event-time limits) over valid "
                        + "records only, invalid ones only (ten kinds) and a 50%% interleaved mix.",
                "Ends with: decode-bench valid_ns=<V> invalid_ns=<I> mixed_ns=<M> mixed_vs_own_cost=<M/((V+I)/2)>",
                "Takes about 1 minute (--quick: about 20 s, noisier)."
            })
    static final class Decode implements Callable<Integer> {
        @Option(names = "--quick", description = "Fewer, shorter iterations.")
        boolean quick;

        @Override
        public Integer call() throws Exception {
            DecodeBench.run(quick, System.out);
            return 0;
        }
    }

    @Command(
            name = "sql",
            mixinStandardHelpOptions = true,
            description = {
                "What SQL analysts wait for, on the embedded PostgreSQL 17: fills a database as the job would (one UTC "
                        + "day of a fleet in minute rows with service rollups, hourly and daily rows, and 30 days of one "
                        + "more series), then times each query (median of --repeats after a warm-up) and measures a "
                        + "minute row's bytes on disk. Ends with:",
                "sql-bench series_30d_1h_p95_ms=<a> fleet_day_p50_p95_p99_ms=<b> series_day_1m_p95_ms=<c> "
                        + "series_day_1m_3q_ms=<d> series_30d_1m_p95_ms=<e> series_30d_1d_p95_ms=<f> "
                        + "fleet_day_1h_p50_p95_p99_ms=<g> minute_row_bytes=<h> hist_bytes=<i> buckets_per_row=<j> "
                        + "serve_start_ms=<k> serve_services_day_ms=<l> serve_services_24h_ms=<m> serve_services_24h_first_ms=<n> "
                        + "series_30d_1h_p95_indexed_ms=<o> series_day_1m_p95_indexed_ms=<p> series_day_1m_3q_indexed_ms=<q> "
                        + "fleet_day_1h_p50_p95_p99_indexed_ms=<r> series_30d_tiled_p95_ms=<s> fleet_day_tiled_p50_p95_p99_ms=<t> "
                        + "series_day_tiled_p95_ms=<u> series_30d_ragged_tiled_p95_ms=<v>",
                "The *_indexed_ms keys ask the same questions through latency_quantiles_of (latency_hist_index), the "
                        + "*_tiled_* keys through latency_quantiles (daily rows for whole days, hourly rows for whole hours, "
                        + "minute rows for the edges).",
                "The same question asked of finer and coarser tables must get the same answer, or it fails.",
                "Takes about 6 minutes with the defaults (filling the fleet's day takes most of it)."
            })
    static final class Sql implements Callable<Integer> {
        @Option(names = "--services", paramLabel = "N", defaultValue = "100", description = "Services of the fleet (default: ${DEFAULT-VALUE}).")
        int services;

        @Option(names = "--names", paramLabel = "N", defaultValue = "20", description = "Routes per service (default: ${DEFAULT-VALUE}).")
        int names;

        @Option(names = "--events-per-minute", paramLabel = "N", defaultValue = "50",
                description = "Mean requests per series and minute (default: ${DEFAULT-VALUE}).")
        int eventsPerMinute;

        @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "Timed runs of each query (default: ${DEFAULT-VALUE}).")
        int repeats;

        @Option(names = "--keep", description = "Afterwards, print the database's URL and keep PostgreSQL running until Ctrl-C.")
        boolean keep;

        @Override
        public Integer call() throws Exception {
            SqlBench.run(new SqlBench.Settings(services, names, eventsPerMinute, repeats, keep), System.out);
            return 0;
        }
    }
}
