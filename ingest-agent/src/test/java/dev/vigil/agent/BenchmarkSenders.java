package dev.vigil.agent;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Background sides for measuring the callers' side of the agent alone (the benchmarks use them through
 * this module's test-jar). Lives in the agent's package
 * because the seam ({@link Sender}, {@link MetricsAgent.Builder#buildWith}) is deliberately not public.
 */
public final class BenchmarkSenders {
    private BenchmarkSenders() {
    }

    /** An agent whose sender drains and throws away every event, with the real sender's drain rhythm. */
    public static MetricsAgent discardingAgent(int bufferCapacity) {
        return MetricsAgent.builder().service("bench").bootstrapServers("unused:9092").bufferCapacity(bufferCapacity)
                .buildWith(Discarding::new);
    }

    /** An agent whose sender never drains: after the first few events every call takes the drop path. */
    public static MetricsAgent stalledAgent() {
        return MetricsAgent.builder().service("bench").bootstrapServers("unused:9092").bufferCapacity(2)
                .buildWith(Stalled::new);
    }

    private static final class Discarding implements Sender {
        private final EventRing ring;
        private final AtomicLong drained = new AtomicLong();
        private volatile boolean closing;

        Discarding(EventRing ring) {
            this.ring = ring;
        }

        @Override
        public void run() {
            EventRing.SlotReader discard = (type, ts, name, durationNanos, error, status, hit, level, count) -> { };
            // Same rhythm as the real sender: drain a batch, rest 1 ms once caught up.
            while (!closing) {
                int n = ring.drain(discard, 4096);
                drained.addAndGet(n);
                if (n < 4096) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            }
            drained.addAndGet(ring.discardAll());
        }

        @Override
        public void requestClose(long deadlineNanos) {
            closing = true;
        }

        @Override
        public long sent() {
            return drained.get(); // "sent" here means drained and discarded
        }

        @Override
        public long failed() {
            return 0;
        }

        @Override
        public long discardedAtClose() {
            return 0;
        }
    }

    private static final class Stalled implements Sender {
        private final EventRing ring;
        private volatile boolean closing;
        private long discarded;

        Stalled(EventRing ring) {
            this.ring = ring;
        }

        @Override
        public void run() {
            while (!closing) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            discarded = ring.discardAll();
        }

        @Override
        public void requestClose(long deadlineNanos) {
            closing = true;
        }

        @Override
        public long sent() {
            return 0;
        }

        @Override
        public long failed() {
            return 0;
        }

        @Override
        public long discardedAtClose() {
            return discarded;
        }
    }
}
