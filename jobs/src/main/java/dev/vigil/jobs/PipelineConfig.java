package dev.vigil.jobs;

import dev.vigil.aggregation.AggregationSettings;
import dev.vigil.alerting.SlaRules;
import dev.vigil.events.Topics;
import dev.vigil.sinks.postgres.BatchSettings;
import dev.vigil.sinks.postgres.PostgresUrl;
import dev.vigil.sinks.redis.RedisUrl;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the job needs, built once at the edge ({@link JobOptions}, the demo, tests) with
 * {@link #builder()} and immutable after. Every field has a default but {@code kafka} and
 * {@code postgres}; connection URLs are parsed into typed values when they are set, so a bad URL fails
 * there with a message that names it, and the values print with their passwords masked.
 */
public final class PipelineConfig implements Serializable {
    private static final long serialVersionUID = 2L;

    private final String kafka;
    private final String eventsTopic;
    private final String deadLetterTopic;
    private final String groupId;
    private final PostgresUrl postgres;
    private final RedisUrl redis;
    private final boolean bounded;
    private final Duration window;
    private final Duration allowedLateness;
    private final Duration outOfOrderness;
    private final Duration idleTimeout;
    private final int maxNamesPerService;
    private final int maxBufferedPartials;
    private final Duration checkpointInterval;
    private final int parallelism;
    private final BatchSettings windowsSink;
    private final BatchSettings alertsSink;
    private final Duration redisTimeout;
    private final SlaRules rules;

    private PipelineConfig(Builder b) {
        kafka = Objects.requireNonNull(b.kafka, "--kafka is required");
        postgres = Objects.requireNonNull(b.postgres, "--postgres is required");
        eventsTopic = b.eventsTopic;
        deadLetterTopic = b.deadLetterTopic;
        groupId = b.groupId;
        redis = b.redis;
        bounded = b.bounded;
        window = b.window;
        allowedLateness = b.allowedLateness;
        outOfOrderness = b.outOfOrderness;
        idleTimeout = b.idleTimeout;
        maxNamesPerService = b.maxNamesPerService;
        maxBufferedPartials = b.maxBufferedPartials;
        checkpointInterval = b.checkpointInterval;
        parallelism = b.parallelism;
        windowsSink = b.windowsSink;
        alertsSink = b.alertsSink;
        redisTimeout = b.redisTimeout;
        rules = Objects.requireNonNull(b.rules, "rules");
        require(!window.isNegative() && !window.isZero(), "--window must be positive, got " + window);
        require(!allowedLateness.isNegative(), "--allowed-lateness must be >= 0, got " + allowedLateness);
        require(!outOfOrderness.isNegative(), "--out-of-orderness must be >= 0, got " + outOfOrderness);
        require(!idleTimeout.isNegative() && !idleTimeout.isZero(), "--idle-timeout must be positive, got " + idleTimeout);
        require(maxNamesPerService >= 1, "--max-names must be >= 1, got " + maxNamesPerService);
        require(maxBufferedPartials >= 1, "--max-buffered-partials must be >= 1, got " + maxBufferedPartials);
        require(!checkpointInterval.isNegative() && !checkpointInterval.isZero(),
                "--checkpoint-interval must be positive, got " + checkpointInterval);
        require(parallelism >= 0, "--parallelism must be >= 0, got " + parallelism);
        require(!redisTimeout.isNegative() && !redisTimeout.isZero(), "--redis-timeout must be positive, got " + redisTimeout);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration, to derive another from it. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.kafka = kafka;
        b.eventsTopic = eventsTopic;
        b.deadLetterTopic = deadLetterTopic;
        b.groupId = groupId;
        b.postgres = postgres;
        b.redis = redis;
        b.bounded = bounded;
        b.window = window;
        b.allowedLateness = allowedLateness;
        b.outOfOrderness = outOfOrderness;
        b.idleTimeout = idleTimeout;
        b.maxNamesPerService = maxNamesPerService;
        b.maxBufferedPartials = maxBufferedPartials;
        b.checkpointInterval = checkpointInterval;
        b.parallelism = parallelism;
        b.windowsSink = windowsSink;
        b.alertsSink = alertsSink;
        b.redisTimeout = redisTimeout;
        b.rules = rules;
        return b;
    }

    /** Kafka bootstrap servers. */
    public String kafka() {
        return kafka;
    }

    public String eventsTopic() {
        return eventsTopic;
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** The Kafka consumer group; offsets are committed under it at every checkpoint. */
    public String groupId() {
        return groupId;
    }

    public PostgresUrl postgres() {
        return postgres;
    }

    /** Where alerts are published, or null: then they go only to the {@code alerts} table. */
    public RedisUrl redis() {
        return redis;
    }

    /** Read from the earliest to the end offsets found at start, write every window, then finish. */
    public boolean bounded() {
        return bounded;
    }

    public Duration window() {
        return window;
    }

    public Duration allowedLateness() {
        return allowedLateness;
    }

    /** How far behind the newest event time an event may arrive without being late. */
    public Duration outOfOrderness() {
        return outOfOrderness;
    }

    /** A partition silent this long stops holding the watermark back. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    public int maxNamesPerService() {
        return maxNamesPerService;
    }

    public int maxBufferedPartials() {
        return maxBufferedPartials;
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    /** Operator parallelism; 0 means the environment's default. */
    public int parallelism() {
        return parallelism;
    }

    /** Batching and retries of the {@code metric_windows} writer. */
    public BatchSettings windowsSink() {
        return windowsSink;
    }

    /** Batching and retries of the {@code alerts} writer. */
    public BatchSettings alertsSink() {
        return alertsSink;
    }

    /** Connect and socket timeout of each Redis call. */
    public Duration redisTimeout() {
        return redisTimeout;
    }

    /** The validated SLA rules (the defaults unless {@code --rules FILE}). */
    public SlaRules rules() {
        return rules;
    }

    /** The part of this configuration the aggregation graph uses. */
    public AggregationSettings aggregation() {
        return new AggregationSettings(window, allowedLateness, maxNamesPerService, maxBufferedPartials);
    }

    /** Every setting, URLs with their passwords masked: safe to log. */
    @Override
    public String toString() {
        return "PipelineConfig[kafka=" + kafka + ", eventsTopic=" + eventsTopic + ", deadLetterTopic=" + deadLetterTopic
                + ", groupId=" + groupId + ", postgres=" + postgres + ", redis=" + redis + ", bounded=" + bounded
                + ", window=" + window + ", allowedLateness=" + allowedLateness + ", outOfOrderness=" + outOfOrderness
                + ", idleTimeout=" + idleTimeout + ", maxNamesPerService=" + maxNamesPerService
                + ", maxBufferedPartials=" + maxBufferedPartials + ", checkpointInterval=" + checkpointInterval
                + ", parallelism=" + parallelism + ", windowsSink=" + windowsSink + ", alertsSink=" + alertsSink
                + ", redisTimeout=" + redisTimeout + ", rules=" + rules.rules().size() + "]";
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Named settings with the defaults {@code vigil run} documents. */
    public static final class Builder {
        private String kafka;
        private String eventsTopic = Topics.EVENTS;
        private String deadLetterTopic = Topics.DEAD_LETTER;
        private String groupId = "vigil-aggregation";
        private PostgresUrl postgres;
        private RedisUrl redis;
        private boolean bounded;
        private Duration window = Duration.ofSeconds(60);
        private Duration allowedLateness = Duration.ofMinutes(2);
        private Duration outOfOrderness = Duration.ofSeconds(5);
        private Duration idleTimeout = Duration.ofSeconds(30);
        private int maxNamesPerService = 2_000;
        private int maxBufferedPartials = AggregationSettings.DEFAULT_MAX_BUFFERED_PARTIALS;
        private Duration checkpointInterval = Duration.ofSeconds(30);
        private int parallelism;
        private BatchSettings windowsSink = BatchSettings.METRIC_WINDOWS;
        private BatchSettings alertsSink = BatchSettings.ALERTS;
        private Duration redisTimeout = Duration.ofSeconds(2);
        private SlaRules rules = SlaRules.defaults();

        private Builder() {
        }

        public Builder kafka(String bootstrapServers) {
            this.kafka = bootstrapServers;
            return this;
        }

        public Builder eventsTopic(String topic) {
            this.eventsTopic = Objects.requireNonNull(topic);
            return this;
        }

        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = Objects.requireNonNull(topic);
            return this;
        }

        public Builder groupId(String id) {
            this.groupId = Objects.requireNonNull(id);
            return this;
        }

        /** @param url {@code jdbc:postgresql://…} or {@code postgresql://…}, with credentials */
        public Builder postgres(String url) {
            this.postgres = PostgresUrl.parse(url);
            return this;
        }

        /** @param url {@code redis://…} or {@code rediss://…}; null for no Redis */
        public Builder redis(String url) {
            this.redis = url == null ? null : RedisUrl.parse(url);
            return this;
        }

        public Builder bounded(boolean bounded) {
            this.bounded = bounded;
            return this;
        }

        public Builder window(Duration size) {
            this.window = Objects.requireNonNull(size);
            return this;
        }

        public Builder allowedLateness(Duration lateness) {
            this.allowedLateness = Objects.requireNonNull(lateness);
            return this;
        }

        public Builder outOfOrderness(Duration bound) {
            this.outOfOrderness = Objects.requireNonNull(bound);
            return this;
        }

        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        public Builder maxNamesPerService(int n) {
            this.maxNamesPerService = n;
            return this;
        }

        public Builder maxBufferedPartials(int n) {
            this.maxBufferedPartials = n;
            return this;
        }

        public Builder checkpointInterval(Duration interval) {
            this.checkpointInterval = Objects.requireNonNull(interval);
            return this;
        }

        public Builder parallelism(int n) {
            this.parallelism = n;
            return this;
        }

        public Builder windowsSink(BatchSettings settings) {
            this.windowsSink = Objects.requireNonNull(settings);
            return this;
        }

        public Builder alertsSink(BatchSettings settings) {
            this.alertsSink = Objects.requireNonNull(settings);
            return this;
        }

        public Builder redisTimeout(Duration timeout) {
            this.redisTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        public Builder rules(SlaRules rules) {
            this.rules = Objects.requireNonNull(rules);
            return this;
        }

        /** @throws IllegalArgumentException naming the option whose value is wrong */
        public PipelineConfig build() {
            return new PipelineConfig(this);
        }
    }
}
