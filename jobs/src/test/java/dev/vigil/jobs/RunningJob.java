package dev.vigil.jobs;

import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.stack.TopicSpec;

import java.time.Duration;
import java.util.List;

/** An unbounded job's surroundings for tests that disturb it while it runs: its topic and its database. */
final class RunningJob {
    /** Window starts of {@link #produceWindows}: a multiple of 10 s. */
    static final long T0 = 1_700_000_000_000L;

    private RunningJob() {
    }

    /** 100 events of {@code svc}/{@code GET /x} in each 10 s window from {@code first} to {@code last}. */
    static void produceWindows(String bootstrap, String topic, int first, int last) {
        java.util.List<dev.vigil.events.MetricEvent> events = new java.util.ArrayList<>();
        for (int w = first; w <= last; w++) {
            for (int i = 0; i < 100; i++) {
                events.add(dev.vigil.events.MetricEvent.request(T0 + w * 10_000L + i * 50L, "svc", "GET /x", null,
                        5 + i % 10, 200, "GET"));
            }
        }
        KafkaTestSupport.produceEvents(bootstrap, topic, events);
    }

    /** Events per window of {@code GET /x} in {@code db}, by window start. */
    static java.util.Map<Long, Long> windowCounts(String db) throws java.sql.SQLException {
        java.util.Map<Long, Long> counts = new java.util.TreeMap<>();
        for (dev.vigil.model.MetricWindow w : MetricWindowsTable.read(db).values()) {
            if (w.name().equals("GET /x")) {
                counts.put(w.windowStart(), w.count());
            }
        }
        return counts;
    }

    /**
     * Creates {@code name}.events (one partition) with its DLQ and a migrated database {@code name}, and
     * returns a configuration reading and writing them: parallelism 1, a checkpoint every second, events
     * in order (no out-of-orderness).
     */
    static PipelineConfig.Builder configure(EmbeddedStack stack, String name) {
        String topic = name + ".events";
        stack.kafka().createTopics(List.of(new TopicSpec(topic, 1), new TopicSpec(topic + ".dlq", 1)));
        String db = stack.postgres().createDatabase(name);
        SchemaMigrator.migrate(db);
        return PipelineConfig.builder()
                .kafka(stack.kafkaBootstrapServers())
                .eventsTopic(topic)
                .deadLetterTopic(topic + ".dlq")
                .groupId(name)
                .postgres(db)
                .outOfOrderness(Duration.ZERO)
                .checkpointInterval(Duration.ofSeconds(1))
                .parallelism(1);
    }
}
