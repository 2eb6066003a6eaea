package dev.vigil.jobs;

import dev.vigil.aggregation.AggregationSettings;
import dev.vigil.alerting.SlaRules;
import dev.vigil.model.AlertEvent;
import dev.vigil.model.DeadLetter;
import dev.vigil.model.Decoded;
import dev.vigil.model.MetricWindow;
import dev.vigil.model.SloStatus;
import dev.vigil.testing.CollectingSink;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole {@link VigilPipeline} with in-memory adapters: a bounded list of records in, every output
 * collected. No Kafka, PostgreSQL or Redis; a run takes a second or two.
 */
final class InMemoryPipeline {

    /** What one run produced, in the order each port received it. */
    record Result(List<MetricWindow> windowVersions, List<MetricWindow> rollupVersions, List<AlertEvent> alerts,
                  List<SloStatus> sloStatus, List<DeadLetter> deadLetters) {

        /** The newest version of every row: what an upserting sink would leave in the table. */
        Map<String, MetricWindow> rows() {
            Map<String, MetricWindow> rows = new LinkedHashMap<>();
            windowVersions.forEach(w -> rows.put(Oracle.key(w), w));
            return rows;
        }

        /** The newest version of every hourly and daily row, keyed like {@link Oracle#key} plus the period length. */
        Map<String, MetricWindow> rollups() {
            Map<String, MetricWindow> rows = new LinkedHashMap<>();
            rollupVersions.forEach(w -> rows.put(Oracle.key(w) + "+" + (w.windowEnd() - w.windowStart()), w));
            return rows;
        }
    }

    private InMemoryPipeline() {
    }

    static Result run(List<Decoded> input, AggregationSettings aggregation, Duration outOfOrderness, int parallelism)
            throws Exception {
        return run(input, aggregation, outOfOrderness, parallelism, Clock.systemUTC());
    }

    /** @param clock the processing clock the watermarks are held to, as {@link Watermarks} holds them */
    static Result run(List<Decoded> input, AggregationSettings aggregation, Duration outOfOrderness, int parallelism,
                      Clock clock) throws Exception {
        return run(input, aggregation, SlaRules.defaults(), outOfOrderness, parallelism, clock);
    }

    static Result run(List<Decoded> input, AggregationSettings aggregation, SlaRules rules, Duration outOfOrderness,
                      int parallelism, Clock clock) throws Exception {
        String run = UUID.randomUUID().toString();
        CollectingSink<MetricWindow> windows = new CollectingSink<>(run + "/windows");
        CollectingSink<MetricWindow> rollups = new CollectingSink<>(run + "/rollups");
        CollectingSink<AlertEvent> alerts = new CollectingSink<>(run + "/alerts");
        CollectingSink<DeadLetter> deadLetters = new CollectingSink<>(run + "/dead-letters");
        CollectingSink<SloStatus> sloStatus = new CollectingSink<>(run + "/slo-status");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
        env.getConfig().enableObjectReuse(); // as the real job runs
        DataStream<Decoded> source = env.fromData(input, TypeInformation.of(Decoded.class))
                .assignTimestampsAndWatermarks(watermarkAfterEveryEvent(outOfOrderness, clock));
        VigilPipeline.build(source, aggregation, rules, new VigilPipeline.Ports(
                new OutputPort<>("windows", "Collect windows", windows),
                new OutputPort<>("rollups", "Collect rollups", rollups),
                List.of(new OutputPort<>("alerts", "Collect alerts", alerts)),
                new OutputPort<>("slo-status", "Collect SLO status", sloStatus),
                new OutputPort<>("dead-letters", "Collect dead letters", deadLetters)));
        env.execute("in-memory pipeline");
        return new Result(windows.received(), rollups.received(), alerts.received(), sloStatus.received(),
                deadLetters.received());
    }

    /**
     * The job's watermarks ({@link Watermarks#watermark}: bounded out-of-orderness, held to the clock), but
     * one after every record, so event time advances exactly with the input: a bounded in-memory source
     * is read faster than periodic watermarks would be emitted.
     */
    static WatermarkStrategy<Decoded> watermarkAfterEveryEvent(Duration outOfOrderness, Clock clock) {
        long bound = outOfOrderness.toMillis();
        return WatermarkStrategy.<Decoded>forGenerator(ctx -> new WatermarkGenerator<>() {
            private long max = Long.MIN_VALUE;

            @Override
            public void onEvent(Decoded record, long timestamp, WatermarkOutput out) {
                max = Math.max(max, timestamp);
                out.emitWatermark(new Watermark(Watermarks.watermark(max, clock.millis(), bound)));
            }

            @Override
            public void onPeriodicEmit(WatermarkOutput out) {
            }
        }).withTimestampAssigner((record, ts) -> record.eventTime());
    }
}
