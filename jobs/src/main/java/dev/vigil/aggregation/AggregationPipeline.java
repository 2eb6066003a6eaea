package dev.vigil.aggregation;

import dev.vigil.events.MetricEvent;
import dev.vigil.jobs.PipelineConfig;
import dev.vigil.jobs.source.DeadLetter;
import dev.vigil.jobs.source.Decoded;
import dev.vigil.jobs.source.RouteInvalid;
import dev.vigil.sinks.MetricWindow;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

import java.util.function.UnaryOperator;

/**
 * The aggregation graph, from decoded records to window rows and dead letters. It takes its input
 * stream and returns its outputs, so the job wires in Kafka and PostgreSQL while tests wire in bounded
 * sources and collecting sinks.
 *
 * <pre>
 * decoded ─ RouteInvalid ─ LocalWindowAggregator ──► keyBy(type, service) ServiceWindows ─ ToMetricWindow ─► rows
 *              │ invalid        │ late   (chained to the source)   (guard, series and rollup windows)
 *              └────────────────┴──► dead letters
 * </pre>
 *
 * Events never cross the network: each source subtask folds them into per-series window partials
 * first, so the one shuffle carries a few records per series and window whatever the event rate.
 */
public final class AggregationPipeline {

    /** What the graph produces. */
    public record Outputs(DataStream<MetricWindow> windows, DataStream<DeadLetter> deadLetters) {
    }

    /**
     * Partials one source subtask holds at most before it sends them all on. A histogram of latencies up
     * to a second takes 12 KB, so this caps the buffer near 120 MB; a fleet with fewer series times open
     * windows than this never reaches it.
     */
    static final int MAX_BUFFERED_PARTIALS = 10_000;

    private AggregationPipeline() {
    }

    /**
     * @param decoded   records with event-time timestamps and watermarks already assigned
     * @param afterDecode a hook on the valid-event stream (tests inject failures here); identity otherwise
     */
    public static Outputs build(DataStream<Decoded> decoded, PipelineConfig cfg,
                                UnaryOperator<DataStream<MetricEvent>> afterDecode) {
        OutputTag<DeadLetter> invalidTag = new OutputTag<>("invalid-records", TypeInformation.of(DeadLetter.class));
        OutputTag<DeadLetter> lateTag = new OutputTag<>("late-events", TypeInformation.of(DeadLetter.class));
        long windowMs = cfg.window().toMillis();
        long latenessMs = cfg.allowedLateness().toMillis();

        SingleOutputStreamOperator<MetricEvent> valid = decoded
                .process(new RouteInvalid(invalidTag))
                .uid("route-invalid").name("Route invalid records");

        SingleOutputStreamOperator<SeriesWindow> partials = afterDecode.apply(valid)
                .transform("Pre-aggregate series windows", TypeInformation.of(SeriesWindow.class),
                        new LocalWindowAggregator(windowMs, latenessMs, MAX_BUFFERED_PARTIALS, lateTag))
                .uid("local-window-aggregator");

        DataStream<MetricWindow> rows = partials
                .keyBy(p -> ServiceKey.of(p.series()), TypeInformation.of(ServiceKey.class))
                .process(new ServiceWindows(windowMs, latenessMs, cfg.maxNamesPerService()),
                        TypeInformation.of(SeriesWindow.class))
                .uid("service-windows").name("Service windows")
                .map(new ToMetricWindow())
                .uid("to-rows").name("To metric_windows rows");

        DataStream<DeadLetter> deadLetters = valid.getSideOutput(invalidTag).union(partials.getSideOutput(lateTag));
        return new Outputs(rows, deadLetters);
    }
}
