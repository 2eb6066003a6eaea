package dev.vigil.jobs;

import dev.vigil.alerting.SlaRules;
import dev.vigil.events.Topics;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * The job's command-line options, shared by {@code vigil run} (as a mixin) and the job jar's main for
 * {@code flink run}, so both take exactly the same flags.
 */
public final class JobOptions {

    @Option(names = "--kafka", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String kafka;

    @Option(names = "--postgres", required = true, paramLabel = "URL",
            description = "PostgreSQL URL with credentials (jdbc:postgresql://… or postgresql://…).")
    String postgres;

    @Option(names = "--redis", paramLabel = "URL",
            description = "Redis URL for alerts: redis://HOST:PORT, or rediss://USER:PASSWORD@HOST:PORT for TLS. "
                    + "Without it alerts go only to the alerts table.")
    String redis;

    @Option(names = "--rules", paramLabel = "FILE",
            description = "SLA rules (YAML) replacing the shipped defaults; validated before the job starts.")
    java.nio.file.Path rules;

    @Option(names = "--bounded", description = "Read from the earliest to the end offsets found at start, write every window, then finish.")
    boolean bounded;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "Tumbling window size (default: ${DEFAULT-VALUE}).")
    Duration window;

    @Option(names = "--allowed-lateness", paramLabel = "DURATION", defaultValue = "2m", converter = DurationConverter.class,
            description = "Late events within this time after a window's end still update it (default: ${DEFAULT-VALUE}).")
    Duration allowedLateness;

    @Option(names = "--out-of-orderness", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
            description = "Bounded out-of-orderness of event time (default: ${DEFAULT-VALUE}).")
    Duration outOfOrderness;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "A partition silent this long no longer holds back event time (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--max-names", paramLabel = "N", defaultValue = "2000",
            description = "Distinct names per (type, service) and window; the rest become __other__ (default: ${DEFAULT-VALUE}).")
    int maxNames;

    @Option(names = "--events-topic", paramLabel = "NAME", defaultValue = Topics.EVENTS,
            description = "Topic to read events from (default: ${DEFAULT-VALUE}).")
    String eventsTopic;

    @Option(names = "--dlq-topic", paramLabel = "NAME", defaultValue = Topics.DEAD_LETTER,
            description = "Topic for invalid and too-late records (default: ${DEFAULT-VALUE}).")
    String dlqTopic;

    @Option(names = "--group-id", paramLabel = "ID", defaultValue = "vigil-aggregation",
            description = "Kafka consumer group (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(names = "--checkpoint-interval", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "Checkpoint interval (default: ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "0",
            description = "Operator parallelism; 0 = the cluster's default (default: ${DEFAULT-VALUE}).")
    int parallelism;

    /**
     * The immutable configuration; throws IllegalArgumentException naming the bad option, or
     * RuleValidationException naming the bad rule and field.
     */
    public PipelineConfig toConfig() {
        return new PipelineConfig(kafka, eventsTopic, dlqTopic, groupId, postgres, redis, bounded, window,
                allowedLateness, outOfOrderness, idleTimeout, maxNames, checkpointInterval, parallelism,
                rules == null ? SlaRules.defaults() : SlaRules.load(rules));
    }
}
