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
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.util.OutputTag;

import java.util.function.UnaryOperator;

/**
 * The aggregation graph, from decoded records to window rows and dead letters. It takes its input
 * stream and returns its outputs, so the job wires in Kafka and PostgreSQL while tests wire in bounded
 * sources and collecting sinks.
 *
 * <pre>
 * decoded ─ RouteInvalid ─┬─ keyBy(type, service, window) CardinalityGuard ─ keyBy(series) window(AccumulateEvents)
 *                         │        │ late                                     │ late (safety net)   │ per-series results
 *                         └────────┴──────────── dead letters ◄───────────────┘                     ├─► rows
 *                                                                   keyBy(type, service) window(AccumulateRollup) ─► rows (name '*')
 * </pre>
 */
public final class AggregationPipeline {

    /** What the graph produces. */
    public record Outputs(DataStream<MetricWindow> windows, DataStream<DeadLetter> deadLetters) {
    }

    private AggregationPipeline() {
    }

    /**
     * @param decoded   records with event-time timestamps and watermarks already assigned
     * @param afterDecode a hook on the valid-event stream (tests inject failures here); identity otherwise
     */
    public static Outputs build(DataStream<Decoded> decoded, PipelineConfig cfg,
                                UnaryOperator<DataStream<MetricEvent>> afterDecode) {
        OutputTag<DeadLetter> invalidTag = new OutputTag<>("invalid-records", TypeInformation.of(DeadLetter.class));
        OutputTag<DeadLetter> tooLateTag = new OutputTag<>("late-events", TypeInformation.of(DeadLetter.class));
        OutputTag<MetricEvent> windowLateTag = new OutputTag<>("window-late-events", TypeInformation.of(MetricEvent.class));
        long windowMs = cfg.window().toMillis();
        long latenessMs = cfg.allowedLateness().toMillis();

        SingleOutputStreamOperator<MetricEvent> valid = decoded
                .process(new RouteInvalid(invalidTag))
                .uid("route-invalid").name("Route invalid records");

        SingleOutputStreamOperator<MetricEvent> guarded = afterDecode.apply(valid)
                .keyBy(e -> ServiceWindowKey.of(e, windowMs), TypeInformation.of(ServiceWindowKey.class))
                .process(new CardinalityGuard(windowMs, latenessMs, cfg.maxNamesPerService(), tooLateTag))
                .uid("cardinality-guard").name("Cardinality guard and lateness");

        SingleOutputStreamOperator<SeriesWindow> perSeries = guarded
                .keyBy(SeriesKey::of, TypeInformation.of(SeriesKey.class))
                .window(TumblingEventTimeWindows.of(cfg.window()))
                .allowedLateness(cfg.allowedLateness())
                .sideOutputLateData(windowLateTag)
                .aggregate(new AccumulateEvents(), new EmitSeriesWindow())
                .uid("series-windows").name("Series windows");

        SingleOutputStreamOperator<SeriesWindow> rollups = perSeries
                .keyBy(w -> ServiceKey.of(w.series()), TypeInformation.of(ServiceKey.class))
                .window(TumblingEventTimeWindows.of(cfg.window()))
                .allowedLateness(cfg.allowedLateness())
                .aggregate(new AccumulateRollup(), new EmitRollup())
                .uid("service-rollups").name("Service rollups");

        DataStream<MetricWindow> rows = perSeries.union(rollups)
                .map(new ToMetricWindow())
                .uid("to-rows").name("To metric_windows rows");

        DataStream<DeadLetter> deadLetters = valid.getSideOutput(invalidTag)
                .union(guarded.getSideOutput(tooLateTag),
                        perSeries.getSideOutput(windowLateTag)
                                .map(DeadLetter::late, TypeInformation.of(DeadLetter.class))
                                .uid("window-late-to-dead-letters").name("Window-late events to dead letters"));
        return new Outputs(rows, deadLetters);
    }
}
