package dev.vigil.bench;

import dev.vigil.agent.AgentStats;
import dev.vigil.agent.MetricsAgent;
import dev.vigil.stack.EmbeddedKafkaBroker;
import dev.vigil.stack.TopicSpec;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The agent's background cost per event against a real broker: CPU time of the sender thread (encode,
 * hand to the producer), of the producer's network thread (batch, compress, send) and of the clock
 * thread, divided by the events delivered. This CPU is spent off the callers' threads but on the service's machine.
 */
public final class BackgroundCost {

    /** @param cpuNanosPerEvent sender + producer I/O thread CPU per delivered event
     *  @param eventsPerSecond  delivered events per second of wall time */
    public record Result(double cpuNanosPerEvent, double eventsPerSecond, AgentStats stats) {
    }

    private BackgroundCost() {
    }

    public static Result measure(int events) throws Exception {
        return withAgent("bench.agent", 1, Math.max(1 << 16, Integer.highestOneBit(events) << 1), agent -> {
            int warmup = Math.min(events, 100_000);
            record(agent, warmup);
            awaitSent(agent, warmup);

            long cpuBefore = backgroundCpuNanos();
            long start = System.nanoTime();
            record(agent, events);
            awaitSent(agent, (long) warmup + events);
            long wall = System.nanoTime() - start;
            long cpu = backgroundCpuNanos() - cpuBefore;
            return new Result((double) cpu / events, events / (wall / 1e9), agent.stats());
        });
    }

    /**
     * The same threads' CPU while a service records a steady {@code eventsPerSecond} (two events of a
     * 10,000 requests/s service: 20,000), for {@code seconds} after as long a warm-up: what a real service
     * pays, wake-ups included, rather than the cost per event of a sender that is never idle.
     */
    public static Result measurePaced(int eventsPerSecond, int seconds) throws Exception {
        return withAgent("bench.agent.paced", 2, 1 << 16, agent -> {
            long warm = recordPaced(agent, eventsPerSecond, seconds);
            long cpuBefore = backgroundCpuNanos();
            long n = recordPaced(agent, eventsPerSecond, seconds);
            long cpu = backgroundCpuNanos() - cpuBefore;
            awaitSent(agent, warm + n);
            return new Result((double) cpu / n, (double) n / seconds, agent.stats());
        });
    }

    /** What one measurement does with its agent. */
    private interface Measurement {
        Result on(MetricsAgent agent) throws Exception;
    }

    /** Runs a measurement against an agent sending to a fresh embedded broker's {@code topic}. */
    private static Result withAgent(String topic, int partitions, int bufferCapacity, Measurement measurement)
            throws Exception {
        Path dir = Files.createTempDirectory("vigil-bench-kafka-");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir, 0)) {
            broker.createTopics(List.of(new TopicSpec(topic, partitions)));
            try (MetricsAgent agent = MetricsAgent.builder().service("bench").instance("bench-1")
                    .bootstrapServers(broker.bootstrapServers()).topic(topic).bufferCapacity(bufferCapacity)
                    .closeTimeout(Duration.ofSeconds(30)).build()) {
                return measurement.on(agent);
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    /** Records at a steady rate, a millisecond's share at a time; returns how many. */
    private static long recordPaced(MetricsAgent agent, int eventsPerSecond, int seconds) {
        long start = System.nanoTime();
        long n = 0;
        long end = seconds * 1_000_000_000L;
        long elapsed;
        while ((elapsed = System.nanoTime() - start) < end) {
            long due = elapsed * eventsPerSecond / 1_000_000_000L;
            for (; n < due; n++) {
                agent.recordRequest(n % 2 == 0 ? "GET /api/users/{id}" : "POST /api/orders", 200, 1_000_000L + n % 100_000);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        return n;
    }

    private static void record(MetricsAgent agent, int n) {
        for (int i = 0; i < n; i++) {
            agent.recordRequest(i % 2 == 0 ? "GET /api/users/{id}" : "POST /api/orders", 200, 1_000_000L + i % 100_000);
        }
    }

    private static void awaitSent(MetricsAgent agent, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (agent.stats().sent() < n) {
            AgentStats s = agent.stats();
            if (s.dropped() + s.failed() > 0 || System.nanoTime() > deadline) {
                throw new IllegalStateException("background measurement lost events: " + s);
            }
            Thread.sleep(5);
        }
    }

    /** CPU of the agent's sender thread, its producer's network thread and the clock thread. */
    private static long backgroundCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (name.startsWith("vigil-agent-sender-") || name.startsWith("kafka-producer-network-thread | vigil-agent-")
                    || name.equals("vigil-agent-clock")) {
                total += Math.max(0, threads.getThreadCpuTime(t.getId())); // Java 17: no threadId() yet
            }
        }
        return total;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temp folder; the OS cleans up what is left
        }
    }
}
