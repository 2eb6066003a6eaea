package dev.vigil.alerting;

import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Pairs each window row with every SLO that judges its series, counting its good events here, where the
 * histogram still is: only two numbers per pairing cross the network.
 */
public final class MatchSlos implements FlatMapFunction<MetricWindow, SloInput> {
    private static final long serialVersionUID = 1L;

    private final SlaRules rules;

    public MatchSlos(SlaRules rules) {
        this.rules = rules;
    }

    @Override
    public void flatMap(MetricWindow w, Collector<SloInput> out) {
        for (Slo slo : rules.slos()) {
            if (slo.appliesTo(w)) {
                out.collect(new SloInput(slo.name(), w.type(), w.service(), w.name(), w.windowStart(), w.windowEnd(),
                        slo.goodIn(w), w.count()));
            }
        }
    }
}
