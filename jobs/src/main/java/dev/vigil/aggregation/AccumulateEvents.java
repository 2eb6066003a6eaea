package dev.vigil.aggregation;

import dev.vigil.events.MetricEvent;
import org.apache.flink.api.common.functions.AggregateFunction;

/** Incremental window aggregation: each event folds into the accumulator as it arrives. */
public final class AccumulateEvents implements AggregateFunction<MetricEvent, WindowAccumulator, WindowAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public WindowAccumulator createAccumulator() {
        return new WindowAccumulator();
    }

    @Override
    public WindowAccumulator add(MetricEvent event, WindowAccumulator acc) {
        acc.add(event);
        return acc;
    }

    @Override
    public WindowAccumulator getResult(WindowAccumulator acc) {
        return acc;
    }

    @Override
    public WindowAccumulator merge(WindowAccumulator a, WindowAccumulator b) {
        a.merge(b);
        return a;
    }
}
