package dev.vigil.bench;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

import java.util.concurrent.TimeUnit;

/** The usual way a Java service measures request latency: a Micrometer timer with a percentile histogram. */
@State(Scope.Benchmark)
public class MicrometerTimerBenchmark {

    /** A field, not a literal, as a service passes it (see AgentRecordBenchmark). */
    private long durationNanos = 12_345_678L;

    private Timer timer;

    @Setup(Level.Trial)
    public void start() {
        timer = Timer.builder("http.server.requests")
                .tag("uri", "/api/users/{id}")
                .publishPercentileHistogram()
                .register(new SimpleMeterRegistry());
    }

    @Benchmark
    @Threads(1)
    public void record() {
        timer.record(durationNanos, TimeUnit.NANOSECONDS);
    }

    @Benchmark
    @Threads(2)
    public void record2Threads() {
        timer.record(durationNanos, TimeUnit.NANOSECONDS);
    }
}
