package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import dev.vigil.model.MetricWindow;
import dev.vigil.model.SloStatus;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Window rows in, alert transitions and SLO status out: SLA rules are matched and judged per (rule,
 * series), SLOs per (SLO, series), silence rules per (rule, series); every kind of transition leaves as
 * one stream.
 */
public final class AlertingPipeline {
    private AlertingPipeline() {
    }

    /** @param alerts every alert transition; @param sloStatus one row per SLO series and newest window */
    public record Outputs(DataStream<AlertEvent> alerts, DataStream<SloStatus> sloStatus) {
    }

    public static Outputs build(DataStream<MetricWindow> windows, SlaRules rules, long allowedLatenessMs) {
        DataStream<AlertEvent> sla = windows
                .flatMap(new MatchRules(rules), RuleInputSerializer.TYPE_INFO)
                .uid("match-rules").name("Match SLA rules")
                .keyBy(RuleInput::key, TypeInformation.of(String.class))
                .process(new AlertEvaluator(rules), TypeInformation.of(AlertEvent.class))
                .uid("alert-evaluator").name("Evaluate SLA rules");
        SingleOutputStreamOperator<AlertEvent> slo = windows
                .flatMap(new MatchSlos(rules), TypeInformation.of(SloInput.class))
                .uid("match-slos").name("Match SLOs")
                .keyBy(SloInput::key, TypeInformation.of(String.class))
                .process(new SloEvaluator(rules, allowedLatenessMs), TypeInformation.of(AlertEvent.class))
                .uid("slo-evaluator").name("Evaluate SLO burn rates");
        DataStream<AlertEvent> silence = windows
                .flatMap(new MatchSilence(rules), TypeInformation.of(SilenceInput.class))
                .uid("match-silence").name("Match silence rules")
                .keyBy(SilenceInput::key, TypeInformation.of(String.class))
                .process(new SilenceEvaluator(rules), TypeInformation.of(AlertEvent.class))
                .uid("silence-evaluator").name("Evaluate silence rules");
        return new Outputs(sla.union(slo, silence), slo.getSideOutput(SloEvaluator.STATUS));
    }
}
