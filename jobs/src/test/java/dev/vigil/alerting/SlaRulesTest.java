package dev.vigil.alerting;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class SlaRulesTest {

    @Test
    void theDefaultsAreTheContractsSlaTable() {
        SlaRules rules = SlaRules.defaults();
        assertThat(rules.rules()).extracting(SlaRule::name).containsExactly("request-p95", "request-p99",
                "request-error-rate", "query-p95", "query-p99", "cache-hit-rate", "scraper-p95", "scraper-p99",
                "scraper-failure-rate");
        assertThat(rules.rules()).extracting(SlaRule::type, SlaRule::metric, SlaRule::comparison, SlaRule::warning, SlaRule::critical)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("request", "p95_ms", Comparison.ABOVE, 400.0, 500.0),
                        org.assertj.core.groups.Tuple.tuple("request", "p99_ms", Comparison.ABOVE, 1600.0, 2000.0),
                        org.assertj.core.groups.Tuple.tuple("request", "error_rate", Comparison.ABOVE, 0.01, 0.05),
                        org.assertj.core.groups.Tuple.tuple("query", "p95_ms", Comparison.ABOVE, 80.0, 100.0),
                        org.assertj.core.groups.Tuple.tuple("query", "p99_ms", Comparison.ABOVE, 400.0, 500.0),
                        org.assertj.core.groups.Tuple.tuple("cache", "hit_rate", Comparison.BELOW, 0.80, 0.70),
                        org.assertj.core.groups.Tuple.tuple("scraper", "p95_ms", Comparison.ABOVE, 4000.0, 5000.0),
                        org.assertj.core.groups.Tuple.tuple("scraper", "p99_ms", Comparison.ABOVE, 8000.0, 10000.0),
                        org.assertj.core.groups.Tuple.tuple("scraper", "error_rate", Comparison.ABOVE, 0.04, 0.05));
    }

    @Test
    void parsesOptionalFieldsAndGlobs() {
        SlaRules rules = SlaRules.parse("""
                rules:
                  - name: checkout-api
                    type: request
                    metric: p99_ms
                    warning: 100
                    critical: 200
                    services: ["checkout*"]
                    names: "GET /api/*"
                    rollup: exclude
                """, "test.yaml");
        SlaRule r = rules.rules().get(0);
        assertThat(r.comparison()).isEqualTo(Comparison.ABOVE);
        assertThat(r.forWindows()).isEqualTo(1);
        assertThat(r.resolveAfter()).isEqualTo(1);
        assertThat(r.minCount()).isEqualTo(1);
        assertThat(r.services()).containsExactly("checkout*");
        assertThat(r.names()).containsExactly("GET /api/*");
        assertThat(r.rollup()).isEqualTo(RollupScope.EXCLUDE);
    }

    static Stream<Arguments> mistakes() {
        String ok = "    type: request\n    metric: p95_ms\n    warning: 400\n    critical: 500\n";
        return Stream.of(
                arguments("not YAML", "rules: [", "f.yaml: not valid YAML at line 1, column 9: while parsing a flow node; expected the node content, but found '<stream end>'"),
                arguments("no rules key", "alerts: []", "f.yaml: expected a mapping with a 'rules' list"),
                arguments("empty rules", "rules: []", "f.yaml: 'rules' must be a non-empty list"),
                arguments("no name", "rules:\n  -\n" + ok, "f.yaml: rules[0]: name is required: 1-100 letters, digits, '.', '-' or '_'"),
                arguments("unknown field", "rules:\n  - name: a\n" + ok + "    critcal: 3\n", "f.yaml: rule \"a\" (rules[0]): unknown field 'critcal' (fields: comparison, critical, description, for, metric, min_count, name, names, resolve_after, rollup, services, type, warning)"),
                arguments("unknown type", "rules:\n  - name: a\n    type: trace\n    metric: p95_ms\n    warning: 1\n    critical: 2\n", "f.yaml: rule \"a\" (rules[0]): type must be one of request, query, cache, scraper; got \"trace\""),
                arguments("unknown metric", "rules:\n  - name: a\n    type: request\n    metric: p96_ms\n    warning: 1\n    critical: 2\n", "f.yaml: rule \"a\" (rules[0]): unknown metric \"p96_ms\" (one of count, errors, error_rate, hit_rate, min_ms, mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms)"),
                arguments("hit rate on requests", "rules:\n  - name: a\n    type: request\n    metric: hit_rate\n    comparison: \"<\"\n    warning: 0.8\n    critical: 0.7\n", "f.yaml: rule \"a\" (rules[0]): metric hit_rate exists only for type cache"),
                arguments("thresholds in the wrong order (above)", "rules:\n  - name: a\n    type: request\n    metric: p95_ms\n    warning: 500\n    critical: 400\n", "f.yaml: rule \"a\" (rules[0]): warning must be below critical for comparison \">\" (warning 500, critical 400)"),
                arguments("thresholds in the wrong order (below)", "rules:\n  - name: a\n    type: cache\n    metric: hit_rate\n    comparison: \"<\"\n    warning: 0.7\n    critical: 0.8\n", "f.yaml: rule \"a\" (rules[0]): warning must be above critical for comparison \"<\" (warning 0.7, critical 0.8)"),
                arguments("bad comparison", "rules:\n  - name: a\n" + ok + "    comparison: \">=\"\n", "f.yaml: rule \"a\" (rules[0]): comparison must be \">\" (above) or \"<\" (below); got \">=\""),
                arguments("missing threshold", "rules:\n  - name: a\n    type: request\n    metric: p95_ms\n    warning: 400\n", "f.yaml: rule \"a\" (rules[0]): critical is required"),
                arguments("threshold as text", "rules:\n  - name: a\n    type: request\n    metric: p95_ms\n    warning: fast\n    critical: 500\n", "f.yaml: rule \"a\" (rules[0]): warning must be a number; got \"fast\""),
                arguments("rate as a percentage", "rules:\n  - name: a\n    type: request\n    metric: error_rate\n    warning: 1\n    critical: 5\n", "f.yaml: rule \"a\" (rules[0]): error_rate is a fraction: thresholds must be between 0 and 1 (write 5% as 0.05)"),
                arguments("for below 1", "rules:\n  - name: a\n" + ok + "    for: 0\n", "f.yaml: rule \"a\" (rules[0]): for must be a whole number >= 1; got 0"),
                arguments("resolve_after fractional", "rules:\n  - name: a\n" + ok + "    resolve_after: 1.5\n", "f.yaml: rule \"a\" (rules[0]): resolve_after must be a whole number >= 1; got 1.5"),
                arguments("negative min_count", "rules:\n  - name: a\n" + ok + "    min_count: -1\n", "f.yaml: rule \"a\" (rules[0]): min_count must be a whole number >= 0; got -1"),
                arguments("bad rollup", "rules:\n  - name: a\n" + ok + "    rollup: sometimes\n", "f.yaml: rule \"a\" (rules[0]): rollup must be include, exclude or only; got \"sometimes\""),
                arguments("duplicate names", "rules:\n  - name: a\n" + ok + "  - name: a\n" + ok, "f.yaml: rule \"a\" (rules[1]): name is used by an earlier rule"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void everyMistakeIsNamed(String what, String yaml, String message) {
        assertThatThrownBy(() -> SlaRules.parse(yaml, "f.yaml"))
                .isInstanceOf(RuleValidationException.class)
                .hasMessage(message);
    }

    @Test
    void aMissingFileIsReportedWithItsPath() {
        assertThatThrownBy(() -> SlaRules.load(java.nio.file.Path.of("/nonexistent/rules.yaml")))
                .isInstanceOf(RuleValidationException.class)
                .hasMessageStartingWith("cannot read rules file /nonexistent/rules.yaml");
    }
}
