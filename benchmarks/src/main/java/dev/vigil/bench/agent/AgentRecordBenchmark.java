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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The agent's accepted path: {@code recordRequest} into the ring, with a sender that drains fast
 * enough that (nearly) nothing is dropped. Drops during measurement iterations are counted and
 * written next to the results so the report can show them.
 */
@State(Scope.Benchmark)
public class AgentRecordBenchmark {

    /** About 360 ms of calls: rides out the drainer losing its core for a while on a 2-core VM (seen at 2^21). */
    static final int BUFFER = 1 << 23;

    // Arguments from fields, not literals, as a service passes them: with a constant the JIT may store an
    // immediate, which measured 30% apart from storing a register depending on the constant's value.
    private String route = "GET /api/users/{id}";
    private int status = 200;
    private long durationNanos = 12_345_678L;

    private MetricsAgent agent;
    private long droppedAtStart;
    private long acceptedAtStart;
    private long measuredDropped;
    private long measuredAccepted;

    @Setup(Level.Trial)
    public void start() {
        agent = BenchmarkSenders.discardingAgent(BUFFER);
    }

    @Setup(Level.Iteration)
    public void beforeIteration() {
        AgentStats s = agent.stats();
        droppedAtStart = s.dropped();
        acceptedAtStart = s.accepted();
    }

    @TearDown(Level.Iteration)
    public void afterIteration(IterationParams iteration) {
        if (iteration.getType() == IterationType.MEASUREMENT) {
            AgentStats s = agent.stats();
            measuredDropped += s.dropped() - droppedAtStart;
            measuredAccepted += s.accepted() - acceptedAtStart;
        }
    }

    @TearDown(Level.Trial)
    public void stop(BenchmarkParams params) throws IOException {
        agent.close();
        String report = System.getProperty("vigil.bench.drops");
        if (report != null) {
            Files.writeString(Path.of(report), params.getBenchmark() + " dropped=" + measuredDropped
                    + " accepted=" + measuredAccepted + System.lineSeparator(),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
    }

    @Benchmark
    @Threads(1)
    public void recordRequest() {
        agent.recordRequest(route, status, durationNanos);
    }

    @Benchmark
    @Threads(2)
    public void recordRequest2Threads() {
        agent.recordRequest(route, status, durationNanos);
    }
}
