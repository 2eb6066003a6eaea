package dev.vigil.jobs;

import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.stack.TopicSpec;

import java.time.Duration;
import java.util.List;

/** An unbounded job's surroundings for tests that disturb it while it runs: its topic and its database. */
final class RunningJob {
    private RunningJob() {
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
