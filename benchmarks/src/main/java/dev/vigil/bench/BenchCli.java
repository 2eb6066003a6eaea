package dev.vigil.bench;

import dev.vigil.bench.pipeline.PipelineBench;
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
        subcommands = {BenchCli.Agent.class, BenchCli.Pipeline.class, BenchCli.Decode.class, CommandLine.HelpCommand.class})
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
                "Pre-loads N events into an embedded Kafka topic, then runs four bounded jobs over it, one after "
                        + "another, each in its own local Flink cluster with the same parallelism: decode-only (the "
                        + "limit), the real Vigil job (with PostgreSQL and Redis sinks), the naive approach (every value "
                        + "kept in window state and sorted) and Flink SQL (TUMBLE windows, PERCENTILE), after one "
                        + "untimed decode-only run that warms the JVM up. Checks that they agree, then prints:",
                "pipeline-bench events=<N> decode_eps=<a> vigil_eps=<b> naive_eps=<c> flinksql_eps=<d> "
                        + "vigil_vs_decode=<b/a> vigil_vs_naive=<b/c> vigil_vs_flinksql=<b/d> vigil_peak_heap_mb=<h>"
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
                        + "percentile histogram), 1 and 2 threads, with the GC profiler; the drop path; then the agent's "
                        + "background CPU per event against a real embedded Kafka broker.",
                "Ends with: agent-bench agent_ns_per_op=<x> micrometer_ns_per_op=<y> ratio=<x/y> agent_bytes_per_op=<z>",
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
            name = "decode",
            mixinStandardHelpOptions = true,
            description = {
                "JMH, one thread: the source's per-record decision (v1 codec and event-time limits) over valid "
                        + "records only, invalid ones only (ten kinds) and a 50% interleaved mix.",
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
}
