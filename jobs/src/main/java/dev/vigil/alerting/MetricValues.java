package dev.vigil.alerting;

import dev.vigil.model.MetricWindow;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The metrics a rule can judge, read from a window row by their column names. */
final class MetricValues {
    private MetricValues() {
    }

    static final Map<String, ToDoubleFunction<MetricWindow>> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put("count", w -> w.count());
        BY_NAME.put("errors", w -> w.errors());
        BY_NAME.put("error_rate", MetricWindow::errorRate);
        BY_NAME.put("hit_rate", w -> w.hitRate() == null ? Double.NaN : w.hitRate());
        BY_NAME.put("min_ms", MetricWindow::minMs);
        BY_NAME.put("mean_ms", MetricWindow::meanMs);
        BY_NAME.put("p50_ms", MetricWindow::p50Ms);
        BY_NAME.put("p90_ms", MetricWindow::p90Ms);
        BY_NAME.put("p95_ms", MetricWindow::p95Ms);
        BY_NAME.put("p99_ms", MetricWindow::p99Ms);
        BY_NAME.put("p999_ms", MetricWindow::p999Ms);
        BY_NAME.put("max_ms", MetricWindow::maxMs);
    }

    static boolean isRate(String metric) {
        return metric.endsWith("_rate");
    }
}
