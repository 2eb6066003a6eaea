package dev.vigil.agent;

import dev.vigil.events.CacheLevel;
import dev.vigil.events.EventBatch;
import dev.vigil.events.EventCodec;
import dev.vigil.events.EventType;
import dev.vigil.events.MetricEvent;
import dev.vigil.stack.EmbeddedKafkaBroker;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import dev.vigil.stack.TopicSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(EmbeddedStackExtension.class)
class MetricsAgentIT {

    private final EventCodec codec = new EventCodec();

    @ParameterizedTest
    @EnumSource(RecordFormat.class)
    void eventsArriveInTheWireFormatKeyedByService(RecordFormat format, EmbeddedStack stack) {
        String topic = "agent.fields." + format;
        stack.kafka().createTopics(List.of(new TopicSpec(topic, 2)));
        long before = System.currentTimeMillis();
        try (MetricsAgent agent = MetricsAgent.builder().service("checkout").instance("checkout-1")
                .bootstrapServers(stack.kafkaBootstrapServers()).topic(topic).recordFormat(format).build()) {
            agent.recordRequest("GET /cart/{id}", 200, 12_500_000);
            agent.recordRequest("POST /cart", 503, 800_000_000);
            agent.recordQuery("SELECT cart", 3_250_000, false);
            agent.recordCache("plan_catalog", true);
            agent.recordCache("plan_catalog", false, CacheLevel.L2, 400_000);
            agent.recordScrape("twitter", 4_100_000_000L, true);
            try (RequestTimer t = agent.timeRequest("GET /timed")) {
                t.status(201);
            }
        }
        long after = System.currentTimeMillis();

        List<ConsumerRecord<byte[], byte[]>> records = readAll(stack.kafkaBootstrapServers(), topic, 7);
        List<MetricEvent> events = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("checkout");
            assertThat(EventBatch.isBatch(r.value())).isEqualTo(format == RecordFormat.BATCH);
            events.addAll(codec.decodeRecord(r.value()));
        }
        assertThat(events).hasSize(7);
        if (format == RecordFormat.V1) {
            assertThat(records).as("one record per event").hasSize(7);
        } else {
            assertThat(records).as("recorded within 10 ms: one or two batches").hasSizeLessThanOrEqualTo(2);
        }
        assertThat(events).allSatisfy(e -> {
            assertThat(e.service()).isEqualTo("checkout");
            assertThat(e.instance()).isEqualTo("checkout-1");
            assertThat(e.ts()).isBetween(before, after);
        });
        MetricEvent cart = find(events, "GET /cart/{id}");
        assertThat(cart.type()).isEqualTo(EventType.REQUEST);
        assertThat(cart.durationMs()).isEqualTo(12.5);
        assertThat(cart.status()).isEqualTo(200);
        assertThat(cart.error()).isFalse();
        assertThat(find(events, "POST /cart").error()).isTrue();
        assertThat(find(events, "SELECT cart").durationMs()).isEqualTo(3.25);
        assertThat(events.stream().filter(e -> e.type() == EventType.CACHE))
                .extracting(MetricEvent::hit, MetricEvent::level, MetricEvent::hasDuration)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(true, null, false),
                        org.assertj.core.groups.Tuple.tuple(false, CacheLevel.L2, true));
        MetricEvent scrape = find(events, "twitter");
        assertThat(scrape.durationMs()).isEqualTo(4100.0);
        assertThat(scrape.error()).isTrue();
        assertThat(find(events, "GET /timed").status()).isEqualTo(201);
    }

    @Test
    void withNoBrokerAMillionCallsReturnAtOnceAndTheOverflowIsCounted() {
        MemoryProbe memory = new MemoryProbe();
        MetricsAgent agent = MetricsAgent.builder().service("offline").bootstrapServers("localhost:1")
                .closeTimeout(Duration.ofSeconds(2)).build();
        int calls = 1_000_000;
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            agent.recordRequest("GET /x", 200, 1_000_000);
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        long heapGrowthMb = memory.growthMb();

        long closeStart = System.nanoTime();
        agent.close();
        long closeMs = (System.nanoTime() - closeStart) / 1_000_000;
        AgentStats s = agent.stats();
        System.out.printf("no broker: %d record calls in %d ms (%.0f ns/call), heap growth %d MB, close %d ms, %s%n",
                calls, elapsedMs, elapsedMs * 1e6 / calls, heapGrowthMb, closeMs, s);

        assertThat(elapsedMs).as("generous bound; the benchmark measures speed").isLessThan(10_000);
        assertThat(s.accepted()).isEqualTo(calls);
        assertThat(s.dropped()).isEqualTo(calls); // 65,536 buffered and then discarded at close, the rest on the spot
        assertThat(s.sent()).isZero();
        assertThat(s.inFlight()).isZero();
        assertThat(heapGrowthMb).as("the buffer is fixed-size").isLessThan(64);
        assertThat(closeMs).as("close returns within its bound").isLessThan(2_000 + 1_500);
    }

    @Test
    void bufferedEventsAreDeliveredWhenTheBrokerComesUpLater(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (MetricsAgent agent = MetricsAgent.builder().service("early").bootstrapServers("localhost:" + port)
                .topic("agent.late-broker").build()) {
            for (int i = 0; i < 5_000; i++) {
                agent.recordQuery("SELECT " + (i % 5), 1_000_000, false);
            }
            Thread.sleep(1_500); // the agent is retrying against nothing
            assertThat(agent.stats().sent()).isZero();
            assertThat(agent.stats().inFlight()).isEqualTo(5_000);

            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Files.createDirectories(dir.resolve("kafka")), port)) {
                broker.createTopics(List.of(new TopicSpec("agent.late-broker", 1)));
                await().atMost(Duration.ofSeconds(60)).until(() -> agent.stats().sent() == 5_000);
                AgentStats s = agent.stats();
                assertThat(s.dropped()).isZero();
                assertThat(s.failed()).isZero();
                assertThat(readAll(broker.bootstrapServers(), "agent.late-broker", 5_000).stream()
                        .mapToInt(r -> codec.decodeRecord(r.value()).size()).sum()).isEqualTo(5_000);
            }
        }
    }

    /**
     * The sender rests half a second once caught up; at this rate the default ring (65,536 events) would
     * overflow within one rest if the callers did not wake the sender as each quarter of it fills.
     */
    @Test
    void aFastSteadyRateIntoTheDefaultRingLosesNothingThoughTheSenderRests(EmbeddedStack stack) throws Exception {
        stack.kafka().createTopics(List.of(new TopicSpec("agent.steady", 1)));
        int perSecond = 200_000;
        long total;
        AgentStats s;
        try (MetricsAgent agent = MetricsAgent.builder().service("steady").bootstrapServers(stack.kafkaBootstrapServers())
                .topic("agent.steady").closeTimeout(Duration.ofSeconds(20)).build()) {
            assertThat(agent.stats().dropped()).isZero();
            agent.recordRequest("GET /warm-up", 200, 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.stats().sent() == 1);
            long start = System.nanoTime();
            long n = 0;
            long elapsed;
            while ((elapsed = System.nanoTime() - start) < 2_000_000_000L) { // 400,000 events in 2 s
                for (long due = elapsed * perSecond / 1_000_000_000L; n < due; n++) {
                    agent.recordRequest("GET /steady", 200, n);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            total = n + 1;
            await().atMost(Duration.ofSeconds(30)).until(() -> agent.stats().sent() + agent.stats().dropped() >= total);
            s = agent.stats();
        }
        System.out.println("a steady 200,000 events/s for 2 s into the default ring: " + s);
        assertThat(total).isGreaterThan(2 * 65_536);
        assertThat(s.dropped()).as("nothing dropped").isZero();
        assertThat(s.sent()).isEqualTo(total);
    }

    @Test
    void manyThreadsAtOnceLoseNothingTheStatsClaimWasSent(EmbeddedStack stack) throws Exception {
        stack.kafka().createTopics(List.of(new TopicSpec("agent.threads", 3)));
        int threads = 8;
        int perThread = 25_000;
        MetricsAgent agent = MetricsAgent.builder().service("busy").bootstrapServers(stack.kafkaBootstrapServers())
                .topic("agent.threads").bufferCapacity(1 << 18).closeTimeout(Duration.ofSeconds(20)).build();
        // Wait until the agent is connected, so the burst tests concurrent recording, not a cold start.
        agent.recordRequest("GET /warm-up", 200, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.stats().sent() == 1);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    agent.recordRequest("GET /t" + id, 200, i);
                }
            });
            workers.add(w);
            w.start();
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        agent.close();
        AgentStats s = agent.stats();
        System.out.println("8 threads × 25,000 calls: " + s);

        long total = (long) threads * perThread + 1;
        assertThat(s.accepted()).isEqualTo(total);
        assertThat(s.inFlight()).isZero();
        assertThat(s.dropped()).as("the buffer holds the whole burst").isZero();
        assertThat(s.failed()).isZero();
        assertThat(s.sent()).isEqualTo(total);
        List<MetricEvent> events = readAll(stack.kafkaBootstrapServers(), "agent.threads", (int) total).stream()
                .flatMap(r -> codec.decodeRecord(r.value()).stream()).toList();
        assertThat(events).hasSize((int) total);
        // Every thread's events are all there, once each.
        Map<String, Long> perRoute = events.stream().map(MetricEvent::name)
                .collect(java.util.stream.Collectors.groupingBy(n -> n, java.util.stream.Collectors.counting()));
        for (int t = 0; t < threads; t++) {
            assertThat(perRoute).containsEntry("GET /t" + t, (long) perThread);
        }
    }

    // ----------------------------------------------------------------------------------------------

    private static MetricEvent find(List<MetricEvent> events, String name) {
        return events.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    /** Reads the whole topic; waits until the records hold at least {@code expected} events, then checks no more come. */
    private List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int events = 0;
            while (events < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r);
                    events += codec.decodeRecord(r.value()).size();
                }
            }
            consumer.poll(Duration.ofMillis(500)).forEach(out::add); // anything beyond what was expected
        }
        return out;
    }

    /** Used heap after a GC, before and after. */
    private static final class MemoryProbe {
        private final long before = usedAfterGc();

        long growthMb() {
            return Math.max(0, usedAfterGc() - before) / (1024 * 1024);
        }

        private static long usedAfterGc() {
            System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
    }
}
