package dev.vigil.jobs;

import dev.vigil.model.Decoded;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test adapter around the pipeline's input: throws once, mid-stream, after a checkpoint has completed
 * and a subtask has seen {@code failAfter} records. Until then it sleeps 1 ms every {@code sleepEvery} events, so a bounded run
 * lives long enough to checkpoint. One failure per JVM until {@link #reset()}.
 */
final class FailOnceAfterCheckpoints extends RichMapFunction<Decoded, Decoded> implements CheckpointListener {
    private static final long serialVersionUID = 1L;
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicInteger CHECKPOINTS = new AtomicInteger();

    private final long failAfter;
    private final int sleepEvery;
    private long seen;

    FailOnceAfterCheckpoints(long failAfter, int sleepEvery) {
        this.failAfter = failAfter;
        this.sleepEvery = sleepEvery;
    }

    /** {@code input} passed through {@code injector}: what the pipeline is then built on. */
    static DataStream<Decoded> around(DataStream<Decoded> input, FailOnceAfterCheckpoints injector) {
        return input.map(injector).uid("fault-injector").name("Fault injector");
    }

    static void reset() {
        FAILED.set(false);
        CHECKPOINTS.set(0);
    }

    @Override
    public Decoded map(Decoded e) throws Exception {
        seen++;
        if (!FAILED.get()) {
            if (seen % sleepEvery == 0) {
                Thread.sleep(1);
            }
            if (CHECKPOINTS.get() > 0 && seen > failAfter && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after " + seen + " events");
            }
        }
        return e;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        CHECKPOINTS.incrementAndGet();
    }
}
