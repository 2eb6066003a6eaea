package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;

/** Window rows in, alert transitions out: match rules, then judge per (rule, series). */
public final class AlertingPipeline {
    private AlertingPipeline() {
    }

    public static DataStream<AlertEvent> build(DataStream<MetricWindow> windows, SlaRules rules) {
        return windows
                .flatMap(new MatchRules(rules), TypeInformation.of(RuleInput.class))
                .uid("match-rules").name("Match SLA rules")
                .keyBy(RuleInput::key, TypeInformation.of(String.class))
                .process(new AlertEvaluator(rules), TypeInformation.of(AlertEvent.class))
                .uid("alert-evaluator").name("Evaluate SLA rules");
    }
}
