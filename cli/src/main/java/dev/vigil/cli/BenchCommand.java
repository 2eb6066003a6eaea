package dev.vigil.cli;

import dev.vigil.bench.AgentBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks. Each prints its measurements and ends with one summary line.",
        subcommands = {BenchCommand.Agent.class})
final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
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
}
