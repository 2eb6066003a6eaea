package dev.vigil.alerting;

import dev.vigil.model.MetricWindow;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MatchRulesTest {

    @Test
    void pairsARowWithEveryRuleOfItsTypeAndLeavesTheHistogramBehind() {
        MetricWindow row = new MetricWindow("request", "api", "GET /x", 0, 60_000, 100, 3, null, null,
                1, 50, 40, 90, 120, 300, 500, 600, new long[] {1_000_000, 60, 2_000_000, 40});
        List<RuleInput> out = new ArrayList<>();
        new MatchRules(SlaRules.defaults()).flatMap(row, collector(out));

        List<String> expected = SlaRules.defaults().rules().stream().filter(r -> r.appliesTo(row)).map(SlaRule::name).toList();
        assertThat(expected).as("the default request rules: p95, p99, error rate").hasSize(3);
        assertThat(out).extracting(RuleInput::rule).containsExactlyElementsOf(expected);
        assertThat(out).allSatisfy(in -> {
            assertThat(in.window().latencyHist()).isNull();
            assertThat(in.window().p95Ms()).isEqualTo(120);
            assertThat(in.window().errorRate()).isEqualTo(0.03);
        });
        assertThat(row.latencyHist()).as("the row itself, still on its way to PostgreSQL, keeps it").hasSize(4);
    }

    private static Collector<RuleInput> collector(List<RuleInput> out) {
        return new Collector<>() {
            @Override
            public void collect(RuleInput record) {
                out.add(record);
            }

            @Override
            public void close() {
            }
        };
    }
}
