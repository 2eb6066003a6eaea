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
                arguments("duplicate names", "rules:\n  - name: a\n" + ok + "  - name: a\n" + ok, "f.yaml: rule \"a\" (rules[1]): name is used by an earlier rule"),
                arguments("no type (found by the mutation test: was a NullPointerException)", "rules:\n  - name: a\n    metric: p95_ms\n    warning: 1\n    critical: 2\n", "f.yaml: rule \"a\" (rules[0]): type must be one of request, query, cache, scraper; got nothing"),
                arguments("empty file", "", "f.yaml: the file is empty; expected a mapping with a 'rules' list"),
                arguments("only comments", "# nothing yet\n\n", "f.yaml: the file is empty; expected a mapping with a 'rules' list"),
                arguments("a field twice", "rules:\n  - name: a\n" + ok + "    warning: 450\n", "f.yaml: not valid YAML at line 7, column 12: Duplicate field 'warning'"),
                arguments("rules twice", "rules:\n  - name: a\n" + ok + "rules: []\n", "f.yaml: not valid YAML at line 7, column 6: Duplicate field 'rules'"),
                arguments("an infinite threshold", "rules:\n  - name: a\n" + ok.replace("400", "1e400"), "f.yaml: rule \"a\" (rules[0]): warning must be a finite number; got Infinity"),
                arguments("a tab", "rules:\n\t- name: a\n", "f.yaml: not valid YAML at line 1, column 6: while scanning for the next token; found character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)"),
                arguments("binary garbage", "\u0000\u0001garbage", "f.yaml: not valid YAML at line 1, column 1: special characters are not allowed"),
                arguments("a rule that is a list", "rules:\n  - [1, 2]\n", "f.yaml: rules[0]: must be a mapping of fields"),
                arguments("rules as text", "rules: text", "f.yaml: 'rules' must be a non-empty list"),
                arguments("a type that is a list", "rules:\n  - name: a\n    type: [request]\n    metric: p95_ms\n    warning: 1\n    critical: 2\n", "f.yaml: rule \"a\" (rules[0]): type must be a single value"),
                arguments("a huge count", "rules:\n  - name: a\n" + ok + "    for: 99999999999999999999\n", "f.yaml: rule \"a\" (rules[0]): for must be a whole number >= 1; got 99999999999999999999"),
                arguments("deep nesting", "[".repeat(5000), "f.yaml: not valid YAML: Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void everyMistakeIsNamed(String what, String yaml, String message) {
        assertThatThrownBy(() -> SlaRules.parse(yaml, "f.yaml"))
                .isInstanceOf(RuleValidationException.class)
                .hasMessage(message);
    }

    /**
     * The shipped rules, mutated at random (seeded: a failure names the seed and the input): whatever the
     * text, parsing gives rules or a RuleValidationException that names the source, never another exception.
     */
    @Test
    void anyMutationOfARulesFileGivesRulesOrANamedMistake() throws Exception {
        String base;
        try (var in = SlaRules.class.getClassLoader().getResourceAsStream(SlaRules.DEFAULTS)) {
            base = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        String[] tokens = {":", "-", " ", "\n", "\t", "[", "]", "{", "}", "\"", "'", "&a", "*a", "!!str", "!!binary", "#",
                "1e400", "-1", ".nan", "null", "~", "rules:", "name:", "warning:", "critical:", "for:", ">", "<", "%"};
        long seed = 20261201L;
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        int valid = 0;
        for (int i = 0; i < 3_000; i++) {
            StringBuilder yaml = new StringBuilder(base);
            for (int m = random.nextInt(1, 6); m > 0; m--) {
                int at = random.nextInt(yaml.length() + 1);
                switch (random.nextInt(3)) {
                    case 0 -> yaml.insert(at, tokens[random.nextInt(tokens.length)]);
                    case 1 -> yaml.delete(at, Math.min(yaml.length(), at + random.nextInt(1, 20)));
                    default -> yaml.setLength(at);
                }
            }
            try {
                SlaRules.parse(yaml.toString(), "f.yaml");
                valid++;
            } catch (RuleValidationException e) {
                assertThat(e.getMessage()).as("seed %d, input %d", seed, i).startsWith("f.yaml: ").doesNotContain("Exception");
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ", input " + i + " threw " + e + " for:\n" + yaml, e);
            }
        }
        assertThat(valid).as("some mutations still parse").isPositive();
    }

    @Test
    void filesThatAreTooLargeNotTextOrNotFilesAreRefusedUnparsed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path huge = dir.resolve("huge.yaml");
        java.nio.file.Files.write(huge, new byte[2 * 1024 * 1024]);
        assertThatThrownBy(() -> SlaRules.load(huge)).isInstanceOf(RuleValidationException.class)
                .hasMessage("rules file " + huge + " is 2097152 bytes; at most 1048576 are read");
        java.nio.file.Path binary = dir.resolve("binary.yaml");
        java.nio.file.Files.write(binary, new byte[] {'r', 'u', 'l', 'e', 's', ':', ' ', (byte) 0xC3, (byte) 0x28});
        assertThatThrownBy(() -> SlaRules.load(binary)).isInstanceOf(RuleValidationException.class)
                .hasMessage("rules file " + binary + " is not valid UTF-8 text");
        assertThatThrownBy(() -> SlaRules.load(dir)).isInstanceOf(RuleValidationException.class)
                .hasMessage("rules file " + dir + " is a directory");
    }

    @Test
    void aMissingFileIsReportedWithItsPath() {
        assertThatThrownBy(() -> SlaRules.load(java.nio.file.Path.of("/nonexistent/rules.yaml")))
                .isInstanceOf(RuleValidationException.class)
                .hasMessageStartingWith("cannot read rules file /nonexistent/rules.yaml");
    }
}
