package dev.vigil.aggregation;

import dev.vigil.model.DeadLetter;
import dev.vigil.model.Decoded;
import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * The aggregation graph, from decoded records to window rows and dead letters.
 *
 * <pre>
 * decoded ─ RouteInvalid ─ LocalWindowAggregator ──► keyBy(type, service) ServiceWindows ─ ToMetricWindow ─► rows
 *              │ invalid        │ late   (chained to the source)   (guard, series and rollup windows)
 *              └────────────────┴──► dead letters                       │ contributions
 *                                              keyBy(type, service) PeriodRollups ─ ToMetricWindow ─► rollups
 * </pre>
 *
 * Events never cross the network: each source subtask folds them into per-series window partials
 * first, so the one shuffle carries a few records per series and window whatever the event rate.
 */
public final class AggregationPipeline {

    /**
     * What the graph produces.
     *
     * @param windows     one row per window and series (and service rollup), again on late data
     * @param rollups     the hourly and daily rows of every series and service ({@link PeriodRollups})
     * @param deadLetters invalid records and late events
     */
    public record Outputs(DataStream<MetricWindow> windows, DataStream<MetricWindow> rollups,
                          DataStream<DeadLetter> deadLetters) {
    }

    private AggregationPipeline() {
    }

    /** @param decoded records with event-time timestamps and watermarks already assigned */
    public static Outputs build(DataStream<Decoded> decoded, AggregationSettings settings) {
        OutputTag<DeadLetter> invalidTag = new OutputTag<>("invalid-records", TypeInformation.of(DeadLetter.class));
        OutputTag<DeadLetter> lateTag = new OutputTag<>("late-events", TypeInformation.of(DeadLetter.class));

        SingleOutputStreamOperator<Decoded> valid = decoded
                .process(new RouteInvalid(invalidTag))
                .uid("route-invalid").name("Route invalid records");

        SingleOutputStreamOperator<SeriesWindow> partials = valid
                .transform("Pre-aggregate series windows", TypeInformation.of(SeriesWindow.class),
                        new LocalWindowAggregator(settings.windowMs(), settings.allowedLatenessMs(),
                                settings.maxBufferedPartials(), settings.maxBufferedBytes(), lateTag))
                .uid("local-window-aggregator");

        SingleOutputStreamOperator<SeriesWindow> windows = partials
                .keyBy(p -> ServiceKey.of(p.series()), TypeInformation.of(ServiceKey.class))
                .process(new ServiceWindows(settings.windowMs(), settings.allowedLatenessMs(),
                                settings.maxNamesPerService()),
                        TypeInformation.of(SeriesWindow.class))
                .uid("service-windows").name("Service windows");
        DataStream<MetricWindow> rows = windows
                .map(new ToMetricWindow(), MetricWindowSerializer.TYPE_INFO)
                .uid("to-rows").name("To metric_windows rows");

        DataStream<MetricWindow> rollups = windows.getSideOutput(ServiceWindows.CONTRIBUTIONS)
                .keyBy(c -> ServiceKey.of(c.series()), TypeInformation.of(ServiceKey.class))
                .process(new PeriodRollups(settings.allowedLatenessMs()), TypeInformation.of(SeriesWindow.class))
                .uid("period-rollups").name("Hourly and daily rollups")
                .map(new ToMetricWindow(), MetricWindowSerializer.TYPE_INFO)
                .uid("rollups-to-rows").name("To metric_windows_1h and _1d rows");

        DataStream<DeadLetter> deadLetters = valid.getSideOutput(invalidTag).union(partials.getSideOutput(lateTag));
        return new Outputs(rows, rollups, deadLetters);
    }
}
