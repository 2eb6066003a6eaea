package dev.vigil.aggregation;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Collects the latest per-series result of a (type, service) window; the result is their merge. */
public final class AccumulateRollup implements AggregateFunction<SeriesWindow, RollupAccumulator, WindowAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public RollupAccumulator createAccumulator() {
        return new RollupAccumulator();
    }

    @Override
    public RollupAccumulator add(SeriesWindow result, RollupAccumulator acc) {
        acc.put(result.series().name(), result.accumulator());
        return acc;
    }

    @Override
    public WindowAccumulator getResult(RollupAccumulator acc) {
        return acc.total();
    }

    @Override
    public RollupAccumulator merge(RollupAccumulator a, RollupAccumulator b) {
        b.latestByName.forEach(a::put);
        return a;
    }
}
