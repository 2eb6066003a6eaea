package dev.vigil.aggregation;

import org.apache.flink.api.common.typeinfo.TypeInfo;

import java.util.HashMap;
import java.util.Map;

/**
 * The rollup of one (type, service) window: the latest result of each of its series.
 *
 * <p>Keeping the latest result per name, rather than adding results up, is what makes a late re-fire of
 * one series replace its earlier contribution instead of counting it twice.
 */
@TypeInfo(RollupAccumulatorSerializer.TypeInfoFactory.class)
public final class RollupAccumulator {
    final Map<String, WindowAccumulator> latestByName = new HashMap<>();

    public void put(String name, WindowAccumulator result) {
        latestByName.put(name, result);
    }

    /** Merges the per-series histograms and counters into one accumulator for {@code name = '*'}. */
    public WindowAccumulator total() {
        WindowAccumulator total = new WindowAccumulator();
        for (WindowAccumulator a : latestByName.values()) {
            total.merge(a);
        }
        return total;
    }

    public int seriesCount() {
        return latestByName.size();
    }
}
