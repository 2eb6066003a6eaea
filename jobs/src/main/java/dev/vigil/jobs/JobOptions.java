package dev.vigil.jobs;

import dev.vigil.aggregation.AggregationSettings;
import dev.vigil.alerting.SlaRules;
import dev.vigil.events.Topics;
import dev.vigil.sinks.postgres.BatchSettings;
import dev.vigil.sinks.postgres.PostgresUrl;
import dev.vigil.sinks.redis.RedisUrl;
import picocli.CommandLine;
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

    @Option(names = "--kafka-properties-file", paramLabel = "FILE",
            description = "Kafka client properties for the job's Kafka clients, e.g. security.protocol, "
                    + "sasl.mechanism and sasl.jaas.config for SASL; kept out of command lines and logs.")
    java.nio.file.Path kafkaPropertiesFile;

    @Option(names = "--postgres-password-file", paramLabel = "FILE",
            description = "Read the PostgreSQL password from the first line of FILE instead of the URL (or set "
                    + "VIGIL_POSTGRES_PASSWORD): it then appears in no command line, log or job argument.")
    java.nio.file.Path postgresPasswordFile;

    @Option(names = "--redis-password-file", paramLabel = "FILE",
            description = "Read the Redis password from the first line of FILE instead of the URL (or set "
                    + "VIGIL_REDIS_PASSWORD).")
    java.nio.file.Path redisPasswordFile;

    /** Where {@code VIGIL_*_PASSWORD} come from; tests replace it. */
    java.util.function.UnaryOperator<String> environment = System::getenv;

    @Option(names = "--redis", paramLabel = "URL",
            description = "Redis URL for alerts: redis://HOST:PORT, or rediss://USER:PASSWORD@HOST:PORT for TLS. "
                    + "Without it alerts go only to the alerts table.")
    String redis;

    @Option(names = "--rules", paramLabel = "FILE",
            description = "Rules file (YAML: rules:, slos:, silence: sections, each optional) replacing the shipped SLA "
                    + "rules; validated before the job starts.")
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

    @Option(names = "--max-future-skew", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
            description = "Events stamped further ahead of this machine's clock (a producer with a broken clock) go to "
                    + "the dead-letter topic instead of moving event time for everyone (default: ${DEFAULT-VALUE}).")
    Duration maxFutureSkew;

    @Option(names = "--max-event-age", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Events stamped further behind the clock go to the dead-letter topic. Off unless set: "
                    + "replaying history is legitimate; set it (e.g. 7d) for a live-only topic.")
    Duration maxEventAge;

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

    @Option(names = "--max-buffered-partials", paramLabel = "N",
            defaultValue = "" + AggregationSettings.DEFAULT_MAX_BUFFERED_PARTIALS,
            description = "Window partials one source subtask buffers before sending them all on "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxBufferedPartials;

    @Option(names = "--max-buffered-bytes", paramLabel = "SIZE", defaultValue = "64mb",
            converter = MemorySizeConverter.class,
            description = "Heap one source subtask's buffered window partials may take before it sends them all on, "
                    + "such as 64mb or 1gb (default: ${DEFAULT-VALUE}).")
    long maxBufferedBytes;

    @Option(names = "--windows-batch-size", paramLabel = "N", defaultValue = "2000",
            description = "metric_windows rows per write (default: ${DEFAULT-VALUE}).")
    int windowsBatchSize;

    @Option(names = "--alerts-batch-size", paramLabel = "N", defaultValue = "100",
            description = "alerts rows per write (default: ${DEFAULT-VALUE}).")
    int alertsBatchSize;

    @Option(names = "--sink-flush-interval", paramLabel = "DURATION", defaultValue = "200ms",
            converter = DurationConverter.class,
            description = "Longest a row waits for its batch before it is written to PostgreSQL (default: ${DEFAULT-VALUE}).")
    Duration sinkFlushInterval;

    @Option(names = "--sink-retries", paramLabel = "N", defaultValue = "5",
            description = "Attempts per PostgreSQL batch, each on a new connection, before the job restarts from "
                    + "its last checkpoint (default: ${DEFAULT-VALUE}).")
    int sinkRetries;

    @Option(names = "--redis-timeout", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
            description = "Connect and socket timeout of each Redis call (default: ${DEFAULT-VALUE}).")
    Duration redisTimeout;

    @Option(names = "--retention",
            description = "Once an hour, drop the partitions of metric_windows, _1h and _1d older than --keep-windows, "
                    + "--keep-hourly and --keep-daily. Off by default: replays of old event time are not deleted.")
    boolean retention;

    @CommandLine.Mixin
    RetentionOptions keep = new RetentionOptions();

    /**
     * The immutable configuration; throws IllegalArgumentException naming the bad option, or
     * RuleValidationException naming the bad rule and field.
     */
    public PipelineConfig toConfig() {
        PostgresUrl postgresUrl = postgresUrl(postgres, postgresPasswordFile, environment);
        RedisUrl redisUrl = redisUrl(redis, redisPasswordFile, environment);
        return PipelineConfig.builder()
                .kafka(kafka)
                .kafkaProperties(kafkaProperties())
                .postgres(postgresUrl)
                .redis(redisUrl)
                .eventsTopic(eventsTopic)
                .deadLetterTopic(dlqTopic)
                .groupId(groupId)
                .bounded(bounded)
                .window(window)
                .allowedLateness(allowedLateness)
                .outOfOrderness(outOfOrderness)
                .idleTimeout(idleTimeout)
                .maxFutureSkew(maxFutureSkew)
                .maxEventAge(maxEventAge)
                .maxNamesPerService(maxNames)
                .maxBufferedPartials(maxBufferedPartials)
                .maxBufferedBytes(maxBufferedBytes)
                .checkpointInterval(checkpointInterval)
                .parallelism(parallelism)
                .windowsSink(new BatchSettings(windowsBatchSize, sinkFlushInterval, sinkRetries))
                .alertsSink(new BatchSettings(alertsBatchSize, sinkFlushInterval, sinkRetries))
                .redisTimeout(redisTimeout)
                .retention(retention ? keep.toRetention() : null)
                .rules(rules == null ? SlaRules.defaults() : SlaRules.load(rules))
                .build();
    }

    /**
     * {@code --postgres} with its password as every command takes it: from {@code --postgres-password-file},
     * else {@code VIGIL_POSTGRES_PASSWORD}, else the URL's own.
     */
    public static PostgresUrl postgresUrl(String url, java.nio.file.Path passwordFile,
                                          java.util.function.UnaryOperator<String> environment) {
        PostgresUrl parsed = PostgresUrl.parse(url);
        String password = secret(passwordFile, "--postgres-password-file", "VIGIL_POSTGRES_PASSWORD", environment);
        return password == null ? parsed : parsed.withPassword(password);
    }

    /** {@code --redis} (null: none) with its password from {@code --redis-password-file} or {@code VIGIL_REDIS_PASSWORD}. */
    public static RedisUrl redisUrl(String url, java.nio.file.Path passwordFile,
                                    java.util.function.UnaryOperator<String> environment) {
        if (url == null) {
            return null;
        }
        RedisUrl parsed = RedisUrl.parse(url);
        String password = secret(passwordFile, "--redis-password-file", "VIGIL_REDIS_PASSWORD", environment);
        return password == null ? parsed : parsed.withPassword(password);
    }

    /**
     * A password as every command takes one: the first line of {@code file} (its {@code option}), else the
     * environment variable, else null.
     */
    private static String secret(java.nio.file.Path file, String option, String variable,
                                java.util.function.UnaryOperator<String> environment) {
        if (file != null) {
            return readSecretFile(file, option);
        }
        String value = environment.apply(variable);
        return value == null || value.isEmpty() ? null : value;
    }

    /**
     * The secret on the first line of {@code file}, as every {@code --…-password-file} option reads it;
     * throws IllegalArgumentException naming {@code option} when the file is empty or unreadable.
     */
    public static String readSecretFile(java.nio.file.Path file, String option) {
        try {
            String line = java.nio.file.Files.readString(file).lines().findFirst().orElse("");
            if (line.isEmpty()) {
                throw new IllegalArgumentException(option + " " + file + " is empty");
            }
            return line;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + e, e);
        }
    }

    private java.util.Map<String, String> kafkaProperties() {
        if (kafkaPropertiesFile == null) {
            return java.util.Map.of();
        }
        java.util.Properties p = new java.util.Properties();
        try (java.io.Reader in = java.nio.file.Files.newBufferedReader(kafkaPropertiesFile)) {
            p.load(in);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read --kafka-properties-file " + kafkaPropertiesFile + ": " + e, e);
        }
        java.util.Map<String, String> map = new java.util.TreeMap<>();
        p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k)));
        return map;
    }
}
