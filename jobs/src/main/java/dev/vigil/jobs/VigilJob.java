package dev.vigil.jobs;

import dev.vigil.jobs.kafka.DeadLetterSerializer;
import dev.vigil.jobs.kafka.KafkaRecordDecoder;
import dev.vigil.model.AlertEvent;
import dev.vigil.model.DeadLetter;
import dev.vigil.model.Decoded;
import dev.vigil.sinks.postgres.AlertsSink;
import dev.vigil.sinks.postgres.MetricWindowsSink;
import dev.vigil.sinks.postgres.SloStatusSink;
import dev.vigil.sinks.redis.RedisAlertSink;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import picocli.CommandLine;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Vigil job assembled for real: Kafka in; PostgreSQL, Redis and the Kafka dead-letter topic out.
 * This is the one place the adapters are wired to {@link VigilPipeline}.
 *
 * <p>{@code main} is what {@code flink run vigil-jobs.jar --kafka … --postgres …} calls; {@code vigil run}
 * and the demo assemble the same graph with {@link #assemble} in a local cluster.
 */
public final class VigilJob {

    /** Restarts in a row before the job gives up: 1+2+4+…+60 s, then 60 s each, is about 25 minutes. */
    static final int RESTARTS_BEFORE_GIVING_UP = 30;

    private VigilJob() {
    }

    /** The job jar's command line: the job options of {@code vigil run}, plus {@code --help}. */
    @CommandLine.Command(name = "vigil-jobs", mixinStandardHelpOptions = true, versionProvider = JarVersion.class,
            description = "The Vigil pipeline job, for `flink run vigil-jobs.jar [options]` on a Flink cluster. "
                    + "Apply the schema first (`vigil migrate`).")
    static final class JarCommand {
        @CommandLine.Mixin
        JobOptions options = new JobOptions();
    }

    static final class JarVersion implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = VigilJob.class.getPackage().getImplementationVersion();
            return new String[] {"vigil-jobs " + (version != null ? version : "(development build)")};
        }
    }

    public static void main(String[] args) throws Exception {
        JarCommand command = new JarCommand();
        CommandLine cli = new CommandLine(command);
        try {
            cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            System.err.println(e.getMessage());
            cli.usage(System.err);
            System.exit(2);
        }
        if (cli.isUsageHelpRequested() || cli.isVersionHelpRequested()) {
            // Printed, then the main method returns without a job: `flink run` reports no job submitted.
            if (cli.isUsageHelpRequested()) {
                cli.usage(System.out);
            } else {
                cli.printVersionHelp(System.out);
            }
            return;
        }
        PipelineConfig cfg = command.options.toConfig();
        Preflight.check(cfg); // a missing schema or topic fails the submission, not the running job
        RuleCatalog.publish(cfg.postgres(), cfg.rules());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configure(env, cfg);
        assemble(env, cfg);
        env.execute("vigil");
    }

    /**
     * Checkpointing (retained when the job is cancelled), parallelism and how the job rides out outages;
     * the rest is the cluster's.
     *
     * <p>Outages: a sink that cannot write after its retries (PostgreSQL away) or a source that fails
     * makes the job restart from its last checkpoint, after a delay that doubles from 1 s to at most 1
     * min (with 10% jitter), so an outage costs no data and little load. After {@value #RESTARTS_BEFORE_GIVING_UP}
     * restarts in a row — about 25 minutes of outage — the job fails; 10 minutes of running without a
     * failure start the count over. Redis being away never fails the job (its sink keeps the alerts).
     */
    public static void configure(StreamExecutionEnvironment env, PipelineConfig cfg) {
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofSeconds(1));
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofMinutes(1));
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, 2.0);
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD, Duration.ofMinutes(10));
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, RESTARTS_BEFORE_GIVING_UP);
        // A cancelled job keeps its last checkpoint to start again from (Flink deletes it by default).
        restarts.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        env.configure(restarts);
        env.enableCheckpointing(cfg.checkpointInterval().toMillis());
        // No function here mutates or keeps the records it is given, so chained operators can pass them
        // on without Flink's defensive deep copy.
        env.getConfig().enableObjectReuse();
        if (cfg.parallelism() > 0) {
            env.setParallelism(cfg.parallelism());
        }
    }

    /** Adds the whole job to {@code env}: the Kafka input, the pipeline and its real output ports. */
    public static VigilPipeline.Streams assemble(StreamExecutionEnvironment env, PipelineConfig cfg) {
        return VigilPipeline.build(kafkaInput(env, cfg), cfg.aggregation(), cfg.rules(), ports(cfg));
    }

    /** The events topic, decoded in the source, with per-partition event-time watermarks. */
    public static DataStream<Decoded> kafkaInput(StreamExecutionEnvironment env, PipelineConfig cfg) {
        return env.fromSource(kafkaSource(cfg), Watermarks.forDecoded(cfg), "Kafka: " + cfg.eventsTopic())
                .uid("kafka-source");
    }

    /**
     * Window rows to {@code metric_windows}, dead letters to the DLQ topic, alert transitions to the
     * {@code alerts} table and, with a Redis URL, to Redis, SLO status rows to {@code slo_status}.
     */
    public static VigilPipeline.Ports ports(PipelineConfig cfg) {
        List<OutputPort<AlertEvent>> alerts = new ArrayList<>();
        alerts.add(new OutputPort<>("alerts-sink", "PostgreSQL: alerts", AlertsSink.create(cfg.postgres(), cfg.alertsSink())));
        if (cfg.redis() != null) {
            alerts.add(new OutputPort<>("redis-alerts-sink", "Redis: vigil:alerts",
                    new RedisAlertSink(cfg.redis(), cfg.redisTimeout())));
        }
        return new VigilPipeline.Ports(
                new OutputPort<>("metric-windows-sink", "PostgreSQL: metric_windows",
                        new MetricWindowsSink(cfg.postgres(), cfg.windowsSink(), cfg.retention())),
                new OutputPort<>("rollups-sink", "PostgreSQL: metric_windows_1h, metric_windows_1d",
                        new MetricWindowsSink(cfg.postgres(), cfg.windowsSink())),
                alerts,
                new OutputPort<>("slo-status-sink", "PostgreSQL: slo_status", SloStatusSink.create(cfg.postgres(), cfg.alertsSink())),
                new OutputPort<>("dead-letter-sink", "Kafka: " + cfg.deadLetterTopic(), deadLetterSink(cfg)));
    }

    /** The events source: bounded (earliest to the end offsets at start) or from the committed offsets. */
    public static KafkaSource<Decoded> kafkaSource(PipelineConfig cfg) {
        var builder = KafkaSource.<Decoded>builder()
                .setProperties(cfg.kafkaClientProperties()) // first: the settings below win
                .setBootstrapServers(cfg.kafka())
                .setTopics(cfg.eventsTopic())
                .setGroupId(cfg.groupId())
                .setDeserializer(new KafkaRecordDecoder(cfg.eventTimeLimits(), Clock.systemUTC()))
                .setProperty("partition.discovery.interval.ms", cfg.bounded() ? "-1" : "60000");
        if (cfg.bounded()) {
            builder.setStartingOffsets(OffsetsInitializer.earliest()).setBounded(OffsetsInitializer.latest());
        } else {
            builder.setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST));
        }
        return builder.build();
    }

    static KafkaSink<DeadLetter> deadLetterSink(PipelineConfig cfg) {
        return KafkaSink.<DeadLetter>builder()
                .setKafkaProducerConfig(cfg.kafkaClientProperties())
                .setBootstrapServers(cfg.kafka())
                .setRecordSerializer(new DeadLetterSerializer(cfg.deadLetterTopic()))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }
}
