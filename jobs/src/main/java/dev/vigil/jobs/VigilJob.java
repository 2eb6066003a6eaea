package dev.vigil.jobs;

import dev.vigil.aggregation.AggregationPipeline;
import dev.vigil.alerting.AlertingPipeline;
import dev.vigil.events.MetricEvent;
import dev.vigil.jobs.source.DeadLetter;
import dev.vigil.jobs.source.DeadLetterSerializer;
import dev.vigil.jobs.source.Decoded;
import dev.vigil.jobs.source.KafkaRecordDecoder;
import dev.vigil.sinks.AlertEvent;
import dev.vigil.sinks.MetricWindow;
import dev.vigil.sinks.postgres.AlertsSink;
import dev.vigil.sinks.redis.RedisAlertSink;
import dev.vigil.sinks.postgres.MetricWindowsSink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import picocli.CommandLine;

import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The Vigil pipeline job: Kafka → decode → windows → PostgreSQL, invalid and late records → DLQ.
 *
 * <p>{@code main} is what {@code flink run vigil-jobs.jar --kafka … --postgres …} calls; {@code vigil run}
 * builds the same graph with {@link #build} in a local cluster.
 */
public final class VigilJob {

    private VigilJob() {
    }

    public static void main(String[] args) throws Exception {
        JobOptions options = new JobOptions();
        CommandLine cli = new CommandLine(options).setCommandName("vigil-jobs");
        try {
            cli.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            System.err.println(e.getMessage());
            cli.usage(System.err);
            System.exit(2);
        }
        PipelineConfig cfg = options.toConfig();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configure(env, cfg);
        build(env, cfg, UnaryOperator.identity());
        env.execute("vigil");
    }

    /** Checkpointing and parallelism from the config; the rest is the cluster's. */
    public static void configure(StreamExecutionEnvironment env, PipelineConfig cfg) {
        env.enableCheckpointing(cfg.checkpointInterval().toMillis());
        // No function here mutates or keeps the records it is given, so chained operators can pass them
        // on without Flink's defensive deep copy.
        env.getConfig().enableObjectReuse();
        if (cfg.parallelism() > 0) {
            env.setParallelism(cfg.parallelism());
        }
    }

    /** Adds the whole pipeline, Kafka in and PostgreSQL/Kafka out, to {@code env}. */
    /** The job's result streams, each already connected to its sink. */
    public record Streams(DataStream<MetricWindow> windows, DataStream<DeadLetter> deadLetters,
                          DataStream<AlertEvent> alerts) {
    }

    public static Streams build(StreamExecutionEnvironment env, PipelineConfig cfg,
                                UnaryOperator<DataStream<MetricEvent>> afterDecode) {
        DataStream<Decoded> decoded = env
                .fromSource(kafkaSource(cfg), Watermarks.forDecoded(cfg), "Kafka: " + cfg.eventsTopic())
                .uid("kafka-source");
        return writeOutputs(AggregationPipeline.build(decoded, cfg, afterDecode), cfg);
    }

    /**
     * Window rows to PostgreSQL, dead letters to the DLQ topic; SLA rules judge the rows, and alert
     * transitions go to the {@code alerts} table and, with {@code --redis}, to Redis.
     */
    public static Streams writeOutputs(AggregationPipeline.Outputs outputs, PipelineConfig cfg) {
        // Key by primary key so every version of a row goes through one sink subtask, newest last.
        outputs.windows()
                .keyBy(MetricWindowsSink::primaryKey)
                .sinkTo(MetricWindowsSink.create(cfg.postgres(), 2_000, 200))
                .uid("metric-windows-sink").name("PostgreSQL: metric_windows");
        outputs.deadLetters()
                .sinkTo(deadLetterSink(cfg))
                .uid("dead-letter-sink").name("Kafka: " + cfg.deadLetterTopic());

        DataStream<AlertEvent> alerts = AlertingPipeline.build(outputs.windows(), cfg.rules());
        alerts.sinkTo(AlertsSink.create(cfg.postgres()))
                .uid("alerts-sink").name("PostgreSQL: alerts");
        if (cfg.redis() != null) {
            alerts.sinkTo(new RedisAlertSink(cfg.redis(), Duration.ofSeconds(2)))
                    .uid("redis-alerts-sink").name("Redis: vigil:alerts");
        }
        return new Streams(outputs.windows(), outputs.deadLetters(), alerts);
    }


    /** The events source: bounded (earliest to the end offsets at start) or from the committed offsets. */
    public static KafkaSource<Decoded> kafkaSource(PipelineConfig cfg) {
        var builder = KafkaSource.<Decoded>builder()
                .setBootstrapServers(cfg.kafka())
                .setTopics(cfg.eventsTopic())
                .setGroupId(cfg.groupId())
                .setDeserializer(new KafkaRecordDecoder())
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
                .setBootstrapServers(cfg.kafka())
                .setRecordSerializer(new DeadLetterSerializer(cfg.deadLetterTopic()))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }
}
