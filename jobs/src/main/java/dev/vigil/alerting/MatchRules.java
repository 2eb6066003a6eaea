package dev.vigil.alerting;

import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/** Pairs each window row (without its histogram) with every rule that applies to its series. */
public final class MatchRules implements FlatMapFunction<MetricWindow, RuleInput> {
    private static final long serialVersionUID = 1L;

    private final SlaRules rules;

    public MatchRules(SlaRules rules) {
        this.rules = rules;
    }

    @Override
    public void flatMap(MetricWindow window, Collector<RuleInput> out) {
        MetricWindow judged = null;
        for (SlaRule rule : rules.rules()) {
            if (rule.appliesTo(window)) {
                if (judged == null) {
                    // Each pairing crosses the network and sits in the evaluator's state: leave the
                    // histogram, which no rule reads, behind.
                    judged = window.withoutHistogram();
                }
                out.collect(new RuleInput(rule.name(), judged));
            }
        }
    }
}
