package dev.vigil.alerting;

import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/** Pairs each window row with every silence rule that watches its series. */
public final class MatchSilence implements FlatMapFunction<MetricWindow, SilenceInput> {
    private static final long serialVersionUID = 1L;

    private final SlaRules rules;

    public MatchSilence(SlaRules rules) {
        this.rules = rules;
    }

    @Override
    public void flatMap(MetricWindow w, Collector<SilenceInput> out) {
        for (SilenceRule rule : rules.silences()) {
            if (rule.appliesTo(w)) {
                out.collect(new SilenceInput(rule.name(), w.type(), w.service(), w.name(), w.windowStart(), w.windowEnd()));
            }
        }
    }
}
