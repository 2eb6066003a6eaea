package dev.vigil.jobs;

import dev.vigil.alerting.SlaRules;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything the job needs, parsed once at the edge ({@link JobOptions}) and immutable after.
 *
 * @param kafka              bootstrap servers
 * @param postgres           JDBC or libpq URL with credentials
 * @param redis              Redis URL for alerts (may be null until alerting is enabled)
 * @param bounded            read from the earliest to the end offsets found at start, then finish
 * @param window             tumbling window size
 * @param allowedLateness    how long after a window's end late events still update it
 * @param outOfOrderness     how far behind the newest event time an event may arrive without being late
 * @param idleTimeout        a partition silent this long stops holding the watermark back
 * @param maxNamesPerService distinct names per (type, service) and window before {@code __other__}
 * @param checkpointInterval how often state and offsets are checkpointed
 * @param parallelism        operator parallelism; 0 means the environment's default
 * @param rules              the validated SLA rules (the defaults unless {@code --rules FILE})
 */
public record PipelineConfig(
        String kafka,
        String eventsTopic,
        String deadLetterTopic,
        String groupId,
        String postgres,
        String redis,
        boolean bounded,
        Duration window,
        Duration allowedLateness,
        Duration outOfOrderness,
        Duration idleTimeout,
        int maxNamesPerService,
        Duration checkpointInterval,
        int parallelism,
        SlaRules rules) implements java.io.Serializable {

    public PipelineConfig {
        Objects.requireNonNull(kafka, "--kafka is required");
        Objects.requireNonNull(postgres, "--postgres is required");
        require(!window.isNegative() && !window.isZero(), "--window must be positive, got " + window);
        require(!allowedLateness.isNegative(), "--allowed-lateness must be >= 0, got " + allowedLateness);
        require(!outOfOrderness.isNegative(), "--out-of-orderness must be >= 0, got " + outOfOrderness);
        require(maxNamesPerService >= 1, "--max-names must be >= 1, got " + maxNamesPerService);
        require(parallelism >= 0, "--parallelism must be >= 0, got " + parallelism);
        Objects.requireNonNull(rules, "rules");
    }

    /** The same configuration writing dead letters to another topic. */
    public PipelineConfig withDeadLetterTopic(String topic) {
        return new PipelineConfig(kafka, eventsTopic, topic, groupId, postgres, redis, bounded, window, allowedLateness,
                outOfOrderness, idleTimeout, maxNamesPerService, checkpointInterval, parallelism, rules);
    }

    /** The same configuration with another parallelism. */
    public PipelineConfig withParallelism(int n) {
        return new PipelineConfig(kafka, eventsTopic, deadLetterTopic, groupId, postgres, redis, bounded, window,
                allowedLateness, outOfOrderness, idleTimeout, maxNamesPerService, checkpointInterval, n, rules);
    }

    /** The same configuration publishing alerts to Redis at {@code url}. */
    public PipelineConfig withRedis(String url) {
        return new PipelineConfig(kafka, eventsTopic, deadLetterTopic, groupId, postgres, url, bounded, window,
                allowedLateness, outOfOrderness, idleTimeout, maxNamesPerService, checkpointInterval, parallelism, rules);
    }

    /** The same configuration judged by other rules. */
    public PipelineConfig withRules(SlaRules other) {
        return new PipelineConfig(kafka, eventsTopic, deadLetterTopic, groupId, postgres, redis, bounded, window,
                allowedLateness, outOfOrderness, idleTimeout, maxNamesPerService, checkpointInterval, parallelism, other);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
