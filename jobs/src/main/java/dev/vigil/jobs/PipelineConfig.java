package dev.vigil.jobs;

import dev.vigil.aggregation.AggregationSettings;
import dev.vigil.alerting.SlaRules;
import dev.vigil.events.Topics;
import dev.vigil.jobs.kafka.EventTimeLimits;
import dev.vigil.sinks.postgres.BatchSettings;
import dev.vigil.sinks.postgres.PostgresUrl;
import dev.vigil.sinks.postgres.Retention;
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

    /** The settings, in a private copy of the builder that made them: never handed out, never changed. */
    private final Builder values;

    private PipelineConfig(Builder b) {
        Objects.requireNonNull(b.kafka, "--kafka is required");
        Objects.requireNonNull(b.postgres, "--postgres is required");
        require(!b.window.isNegative() && !b.window.isZero(), "--window must be positive, got " + b.window);
        require(AggregationSettings.dividesAnHour(b.window),
                "--window " + AggregationSettings.windowRule(DurationConverter.format(b.window)));
        require(!b.allowedLateness.isNegative(), "--allowed-lateness must be >= 0, got " + b.allowedLateness);
        require(!b.outOfOrderness.isNegative(), "--out-of-orderness must be >= 0, got " + b.outOfOrderness);
        require(!b.idleTimeout.isNegative() && !b.idleTimeout.isZero(),
                "--idle-timeout must be positive, got " + b.idleTimeout);
        require(b.maxNamesPerService >= 1, "--max-names must be >= 1, got " + b.maxNamesPerService);
        require(b.maxBufferedPartials >= 1, "--max-buffered-partials must be >= 1, got " + b.maxBufferedPartials);
        require(b.maxBufferedBytes >= 1, "--max-buffered-bytes must be at least one byte, got " + b.maxBufferedBytes);
        require(!b.checkpointInterval.isNegative() && !b.checkpointInterval.isZero(),
                "--checkpoint-interval must be positive, got " + b.checkpointInterval);
        require(b.parallelism >= 0, "--parallelism must be >= 0, got " + b.parallelism);
        require(!b.redisTimeout.isNegative() && !b.redisTimeout.isZero(),
                "--redis-timeout must be positive, got " + b.redisTimeout);
        new EventTimeLimits(b.maxFutureSkew, b.maxEventAge); // throws naming the option
        values = b.copy();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration, to derive another from it. */
    public Builder toBuilder() {
        return values.copy();
    }

    /** Kafka bootstrap servers. */
    public String kafka() {
        return values.kafka;
    }

    /**
     * Kafka client properties for every Kafka client of the job (SASL, TLS, …), from
     * {@code --kafka-properties-file}; Vigil's own settings (bootstrap servers, group id, offsets) win.
     */
    public java.util.Map<String, String> kafkaProperties() {
        return values.kafkaProperties;
    }

    /** {@link #kafkaProperties()} as the {@link java.util.Properties} Kafka's builders take. */
    public java.util.Properties kafkaClientProperties() {
        java.util.Properties p = new java.util.Properties();
        p.putAll(values.kafkaProperties);
        return p;
    }

    public String eventsTopic() {
        return values.eventsTopic;
    }

    public String deadLetterTopic() {
        return values.deadLetterTopic;
    }

    /** The Kafka consumer group; offsets are committed under it at every checkpoint. */
    public String groupId() {
        return values.groupId;
    }

    public PostgresUrl postgres() {
        return values.postgres;
    }

    /** Where alerts are published, or null: then they go only to the {@code alerts} table. */
    public RedisUrl redis() {
        return values.redis;
    }

    /** Read from the earliest to the end offsets found at start, write every window, then finish. */
    public boolean bounded() {
        return values.bounded;
    }

    public Duration window() {
        return values.window;
    }

    public Duration allowedLateness() {
        return values.allowedLateness;
    }

    /** How far behind the newest event time an event may arrive without being late. */
    public Duration outOfOrderness() {
        return values.outOfOrderness;
    }

    /** A partition silent this long stops holding the watermark back. */
    public Duration idleTimeout() {
        return values.idleTimeout;
    }

    /**
     * How far from the processing clock an event's time may be: ahead by at most {@code --max-future-skew},
     * behind by at most {@code --max-event-age} (no limit unless set).
     */
    public EventTimeLimits eventTimeLimits() {
        return new EventTimeLimits(values.maxFutureSkew, values.maxEventAge);
    }

    public int maxNamesPerService() {
        return values.maxNamesPerService;
    }

    public int maxBufferedPartials() {
        return values.maxBufferedPartials;
    }

    public long maxBufferedBytes() {
        return values.maxBufferedBytes;
    }

    public Duration checkpointInterval() {
        return values.checkpointInterval;
    }

    /** Operator parallelism; 0 means the environment's default. */
    public int parallelism() {
        return values.parallelism;
    }

    /** Batching and retries of the {@code metric_windows} writer. */
    /** The retention the job applies once an hour, or null (the default) to drop nothing. */
    public Retention retention() {
        return values.retention;
    }

    public BatchSettings windowsSink() {
        return values.windowsSink;
    }

    /** Batching and retries of the {@code alerts} and {@code slo_status} writers. */
    public BatchSettings alertsSink() {
        return values.alertsSink;
    }

    /** Connect and socket timeout of each Redis call. */
    public Duration redisTimeout() {
        return values.redisTimeout;
    }

    /** The validated SLA rules (the defaults unless {@code --rules FILE}). */
    public SlaRules rules() {
        return values.rules;
    }

    /** The part of this configuration the aggregation graph uses. */
    public AggregationSettings aggregation() {
        return new AggregationSettings(values.window, values.allowedLateness, values.maxNamesPerService,
                values.maxBufferedPartials, values.maxBufferedBytes);
    }

    /** Every setting, URLs with their passwords masked: safe to log. */
    @Override
    public String toString() {
        Builder v = values;
        return "PipelineConfig[kafka=" + v.kafka + ", kafkaProperties=" + new java.util.TreeSet<>(v.kafkaProperties.keySet())
                + " (values not shown), eventsTopic=" + v.eventsTopic + ", deadLetterTopic="
                + v.deadLetterTopic + ", groupId=" + v.groupId + ", postgres=" + v.postgres + ", redis=" + v.redis
                + ", bounded=" + v.bounded + ", window=" + v.window + ", allowedLateness=" + v.allowedLateness
                + ", outOfOrderness=" + v.outOfOrderness + ", idleTimeout=" + v.idleTimeout
                + ", maxFutureSkew=" + v.maxFutureSkew + ", maxEventAge=" + (v.maxEventAge == null ? "none" : v.maxEventAge)
                + ", retention=" + (v.retention == null ? "none" : v.retention)
                + ", maxNamesPerService=" + v.maxNamesPerService + ", maxBufferedPartials=" + v.maxBufferedPartials
                + ", maxBufferedBytes=" + v.maxBufferedBytes
                + ", checkpointInterval=" + v.checkpointInterval + ", parallelism=" + v.parallelism
                + ", windowsSink=" + v.windowsSink + ", alertsSink=" + v.alertsSink + ", redisTimeout="
                + v.redisTimeout + ", rules=" + v.rules.rules().size() + "]";
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Named settings with the defaults {@code vigil run} documents. */
    public static final class Builder implements Serializable, Cloneable {
        private static final long serialVersionUID = 1L;

        private String kafka;
        private java.util.Map<String, String> kafkaProperties = java.util.Map.of();
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
        private Duration maxFutureSkew = EventTimeLimits.DEFAULT_MAX_FUTURE_SKEW;
        private Duration maxEventAge;
        private Retention retention;
        private int maxNamesPerService = 2_000;
        private int maxBufferedPartials = AggregationSettings.DEFAULT_MAX_BUFFERED_PARTIALS;
        private long maxBufferedBytes = AggregationSettings.DEFAULT_MAX_BUFFERED_BYTES;
        private Duration checkpointInterval = Duration.ofSeconds(30);
        private int parallelism;
        private BatchSettings windowsSink = BatchSettings.METRIC_WINDOWS;
        private BatchSettings alertsSink = BatchSettings.ALERTS;
        private Duration redisTimeout = Duration.ofSeconds(2);
        private SlaRules rules = SlaRules.defaults();

        private Builder() {
        }

        /** A shallow copy: every field is an immutable value. */
        private Builder copy() {
            try {
                return (Builder) clone();
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }

        /** Client properties for every Kafka client (SASL, TLS, …); they may hold secrets, never printed. */
        public Builder kafkaProperties(java.util.Map<String, String> properties) {
            this.kafkaProperties = java.util.Map.copyOf(properties);
            return this;
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

        public Builder postgres(PostgresUrl url) {
            this.postgres = Objects.requireNonNull(url);
            return this;
        }

        public Builder redis(RedisUrl url) {
            this.redis = url;
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

        /** Events stamped further ahead of the processing clock go to the dead letters (default 10 min). */
        public Builder maxFutureSkew(Duration skew) {
            this.maxFutureSkew = Objects.requireNonNull(skew);
            return this;
        }

        /** Events stamped further behind the processing clock go to the dead letters; null (default): no limit. */
        /** Drop partitions past this retention once an hour; null (the default) drops nothing. */
        public Builder retention(Retention policy) {
            this.retention = policy;
            return this;
        }

        public Builder maxEventAge(Duration age) {
            this.maxEventAge = age;
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

        /** Heap bytes one source subtask's buffered partials may take before it sends them all on. */
        public Builder maxBufferedBytes(long bytes) {
            this.maxBufferedBytes = bytes;
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
