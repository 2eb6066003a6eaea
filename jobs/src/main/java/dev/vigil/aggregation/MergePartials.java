package dev.vigil.aggregation;

import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * The global half of the local-global aggregation: merges the per-subtask partials of a series window
 * (see {@link LocalWindowAggregator}) as they arrive.
 */
public final class MergePartials implements AggregateFunction<SeriesWindow, WindowAccumulator, WindowAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public WindowAccumulator createAccumulator() {
        return new WindowAccumulator();
    }

    @Override
    public WindowAccumulator add(SeriesWindow partial, WindowAccumulator acc) {
        if (acc.count() == 0) {
            // The first partial: it was deserialized for this operator alone, so it can become the state.
            return partial.accumulator();
        }
        acc.merge(partial.accumulator());
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
