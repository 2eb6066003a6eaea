package dev.vigil.aggregation;

import dev.vigil.model.DeadLetter;
import dev.vigil.events.MetricEvent;
import dev.vigil.model.Decoded;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Passes valid events on and sends invalid records to the dead-letter side output, counting both. */
public final class RouteInvalid extends ProcessFunction<Decoded, MetricEvent> {
    private static final long serialVersionUID = 1L;

    private final OutputTag<DeadLetter> deadLetters;
    private transient Counter decoded;
    private transient Counter invalid;

    public RouteInvalid(OutputTag<DeadLetter> deadLetters) {
        this.deadLetters = deadLetters;
    }

    @Override
    public void open(OpenContext openContext) {
        decoded = getRuntimeContext().getMetricGroup().counter("eventsDecoded");
        invalid = getRuntimeContext().getMetricGroup().counter("eventsInvalid");
    }

    @Override
    public void processElement(Decoded record, Context ctx, Collector<MetricEvent> out) {
        if (record.isValid()) {
            decoded.inc();
            out.collect(record.event());
        } else {
            invalid.inc();
            ctx.output(deadLetters, record.deadLetter());
        }
    }
}
