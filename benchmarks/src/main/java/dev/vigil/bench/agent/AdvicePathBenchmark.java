package dev.vigil.bench.agent;

import dev.vigil.agent.BenchmarkSenders;
import dev.vigil.agent.MetricsAgent;
import dev.vigil.agent.bootstrap.SqlHolder;
import dev.vigil.agent.bootstrap.VigilHooks;
import dev.vigil.agent.javaagent.BenchmarkHooks;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * What the -javaagent's advice adds to one request of {@code vigil bench overhead}'s service, on the
 * service's thread: the calls the inlined advice makes, in the order the service makes them. The HTTP
 * handler is entered; the pool's connection and the driver's each prepare the statement (both are
 * instrumented; each takes the statement's fingerprint); the pool's statement and the driver's execute it
 * (nested: only the outer one is timed and recorded); the handler returns, and its request is named from
 * the raw path ({@code GET /items/4711} → {@code GET /items/{id}}) and recorded. Two events into the ring,
 * four clock reads; the sender drains and discards.
 */
@State(Scope.Benchmark)
public class AdvicePathBenchmark {

    private static final String SQL = "SELECT id, name, price FROM items WHERE id = ?";

    private final String method = "GET";
    private final String[] paths = new String[1024];
    private final Statement poolStatement = new Statement();
    private final Statement driverStatement = new Statement();
    private int next;
    private MetricsAgent agent;

    /** A prepared statement class as the agent leaves it: with the field it adds ({@link SqlHolder}). */
    static final class Statement implements SqlHolder {
        private String fingerprint;

        @Override
        public String vigil$fingerprint() {
            return fingerprint;
        }

        @Override
        public void vigil$fingerprint(String fingerprint) {
            this.fingerprint = fingerprint;
        }
    }

    @Setup(Level.Trial)
    public void start() {
        agent = BenchmarkSenders.discardingAgent(AgentRecordBenchmark.BUFFER);
        BenchmarkHooks.install(agent);
        for (int i = 0; i < paths.length; i++) {
            paths[i] = "/items/" + (1 + i * 7919 % 10_000);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        agent.close();
    }

    @Benchmark
    @Threads(1)
    public void oneRequest() {
        long handler = VigilHooks.enter(VigilHooks.HTTP_SERVER);
        VigilHooks.prepared(driverStatement, SQL);
        VigilHooks.prepared(poolStatement, SQL);
        long pool = VigilHooks.enter(VigilHooks.JDBC);
        long driver = VigilHooks.enter(VigilHooks.JDBC);
        long driverNanos = VigilHooks.exit(VigilHooks.JDBC, driver);
        if (driverNanos >= 0) {
            VigilHooks.executed(driverStatement, driverNanos, false);
        }
        long poolNanos = VigilHooks.exit(VigilHooks.JDBC, pool);
        if (poolNanos >= 0) {
            VigilHooks.executed(poolStatement, poolNanos, false);
        }
        long nanos = VigilHooks.exit(VigilHooks.HTTP_SERVER, handler);
        if (nanos >= 0) {
            VigilHooks.serverRequest(VigilHooks.HTTP_SERVER, method, paths[next++ & (paths.length - 1)], null, 200,
                    nanos, false);
        }
    }
}
