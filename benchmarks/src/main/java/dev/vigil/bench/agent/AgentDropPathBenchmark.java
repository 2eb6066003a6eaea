package dev.vigil.bench.agent;

import dev.vigil.agent.AgentStats;
import dev.vigil.agent.BenchmarkSenders;
import dev.vigil.agent.MetricsAgent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/** What a call costs when the buffer is full (Kafka away for long): the drop path, reported apart. */
@State(Scope.Benchmark)
public class AgentDropPathBenchmark {

    private MetricsAgent agent;

    @Setup(Level.Trial)
    public void start() {
        agent = BenchmarkSenders.stalledAgent();
    }

    @TearDown(Level.Trial)
    public void stop() {
        agent.close();
    }

    @Benchmark
    @Threads(1)
    public void recordRequestWhenFull() {
        agent.recordRequest("GET /api/users/{id}", 200, 12_345_678L);
    }
}
