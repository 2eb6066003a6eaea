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
                arguments("an unknown section", "alerts: []", "f.yaml: unknown section 'alerts' (sections: rules, slos, silence)"),
                arguments("no section", "{}", "f.yaml: expected a mapping with a 'rules', 'slos' or 'silence' list"),
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
                arguments("duplicate names", "rules:\n  - name: a\n" + ok + "  - name: a\n" + ok, "f.yaml: rule \"a\" (rules[1]): name is used by an earlier rule, SLO or silence rule"),
                arguments("no type (found by the mutation test: was a NullPointerException)", "rules:\n  - name: a\n    metric: p95_ms\n    warning: 1\n    critical: 2\n", "f.yaml: rule \"a\" (rules[0]): type must be one of request, query, cache, scraper; got nothing"),
                arguments("empty file", "", "f.yaml: the file is empty; expected a mapping with a 'rules', 'slos' or 'silence' list"),
                arguments("only comments", "# nothing yet\n\n", "f.yaml: the file is empty; expected a mapping with a 'rules', 'slos' or 'silence' list"),
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

    static Stream<Arguments> sloMistakes() {
        String head = "slos:\n  - name: s\n    type: request\n";
        String availability = head + "    indicator: availability\n";
        return Stream.of(
                arguments("objective of 1", availability + "    objective: 1\n", "f.yaml: slo \"s\" (slos[0]): objective must be strictly between 0 and 1, such as 0.999 for 99.9%; got 1"),
                arguments("objective as a percentage", availability + "    objective: 99.9\n", "f.yaml: slo \"s\" (slos[0]): objective must be strictly between 0 and 1, such as 0.999 for 99.9%; got 99.9"),
                arguments("objective of 0", availability + "    objective: 0\n", "f.yaml: slo \"s\" (slos[0]): objective must be strictly between 0 and 1, such as 0.999 for 99.9%; got 0"),
                arguments("no objective", availability, "f.yaml: slo \"s\" (slos[0]): objective is required"),
                arguments("unknown indicator", head + "    indicator: uptime\n    objective: 0.99\n", "f.yaml: slo \"s\" (slos[0]): indicator must be availability or latency; got \"uptime\""),
                arguments("no indicator", head + "    objective: 0.99\n", "f.yaml: slo \"s\" (slos[0]): indicator must be availability or latency; got nothing"),
                arguments("latency without threshold_ms", head + "    indicator: latency\n    objective: 0.99\n", "f.yaml: slo \"s\" (slos[0]): threshold_ms is required for indicator latency (good: the event took at most this many ms)"),
                arguments("a negative threshold_ms", head + "    indicator: latency\n    threshold_ms: -3\n    objective: 0.99\n", "f.yaml: slo \"s\" (slos[0]): threshold_ms must be above 0; got -3"),
                arguments("threshold_ms on availability", availability + "    threshold_ms: 300\n    objective: 0.99\n", "f.yaml: slo \"s\" (slos[0]): threshold_ms belongs to indicator latency, not availability"),
                arguments("latency of a cache", "slos:\n  - name: s\n    type: cache\n    indicator: latency\n    threshold_ms: 3\n    objective: 0.99\n", "f.yaml: slo \"s\" (slos[0]): indicator latency needs durations; cache events are judged by availability"),
                arguments("a bad period", availability + "    objective: 0.99\n    period: 30 days\n", "f.yaml: slo \"s\" (slos[0]): period: '30 days' is not a duration; write it like 500ms, 10s, 5m, 1h or 1d"),
                arguments("a zero period", availability + "    objective: 0.99\n    period: 0d\n", "f.yaml: slo \"s\" (slos[0]): period must be longer than 0"),
                arguments("an unknown field", availability + "    objective: 0.99\n    window: 5m\n", "f.yaml: slo \"s\" (slos[0]): unknown field 'window' (fields: description, indicator, min_count, name, names, objective, period, services, threshold_ms, tiers, type)"),
                arguments("tiers not a list", availability + "    objective: 0.99\n    tiers: fast\n", "f.yaml: slo \"s\" (slos[0]): tiers must be a list (an empty list: the SLO never alerts, it only reports)"),
                arguments("a tier without factor", availability + "    objective: 0.99\n    tiers:\n      - {severity: critical, long: 1h, short: 5m}\n", "f.yaml: slo \"s\" (slos[0]): tiers[0]: factor is required (the burn rate both windows must exceed, such as 14.4)"),
                arguments("a tier with a bad window", availability + "    objective: 0.99\n    tiers:\n      - {severity: critical, long: 1 hour, short: 5m, factor: 2}\n", "f.yaml: slo \"s\" (slos[0]): tiers[0]: long: '1 hour' is not a duration; write it like 500ms, 10s, 5m, 1h or 1d"),
                arguments("a tier with short >= long", availability + "    objective: 0.99\n    tiers:\n      - {severity: warning, long: 1h, short: 1h, factor: 2}\n", "f.yaml: slo \"s\" (slos[0]): tiers[0]: short (1h) must be shorter than long (1h)"),
                arguments("a tier longer than the period", availability + "    objective: 0.99\n    period: 1d\n    tiers:\n      - {severity: warning, long: 3d, short: 6h, factor: 1}\n", "f.yaml: slo \"s\" (slos[0]): tiers[0]: long (3d) must not be longer than the period (1d)"),
                arguments("a tier with a bad severity", availability + "    objective: 0.99\n    tiers:\n      - {severity: page, long: 1h, short: 5m, factor: 2}\n", "f.yaml: slo \"s\" (slos[0]): tiers[0]: severity must be warning or critical; got \"page\""),
                arguments("a tier with an unknown field", availability + "    objective: 0.99\n    tiers:\n      - {severity: warning, long: 1h, short: 5m, factor: 2, for: 3}\n", "f.yaml: slo \"s\" (slos[0]): tiers[0]: unknown field 'for' (fields: factor, long, severity, short)"),
                arguments("a negative min_count", availability + "    objective: 0.99\n    min_count: 0\n", "f.yaml: slo \"s\" (slos[0]): min_count must be a whole number >= 1; got 0"),
                arguments("an SLO named like a rule", "rules:\n  - name: s\n    type: request\n    metric: p95_ms\n    warning: 1\n    critical: 2\n" + availability.substring("slos:\n".length()).replace("  - name", "slos:\n  - name") + "    objective: 0.99\n", "f.yaml: slo \"s\" (slos[0]): name is used by an earlier rule, SLO or silence rule"),
                arguments("silence without for", "silence:\n  - name: quiet\n    services: [\"*\"]\n", "f.yaml: silence rule \"quiet\" (silence[0]): for is required: how long a series that was reporting may send nothing, such as 5m"),
                arguments("silence with a bad for", "silence:\n  - name: quiet\n    for: soon\n", "f.yaml: silence rule \"quiet\" (silence[0]): for: 'soon' is not a duration; write it like 500ms, 10s, 5m, 1h or 1d"),
                arguments("silence with a bad type", "silence:\n  - name: quiet\n    type: log\n    for: 5m\n", "f.yaml: silence rule \"quiet\" (silence[0]): type must be one of request, query, cache, scraper; got \"log\""),
                arguments("an empty silence section", "silence: []", "f.yaml: 'silence' must be a non-empty list"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sloMistakes")
    void everyMistakeInTheSloAndSilenceSectionsIsNamed(String what, String yaml, String message) {
        assertThatThrownBy(() -> SlaRules.parse(yaml, "f.yaml"))
                .isInstanceOf(RuleValidationException.class)
                .hasMessage(message);
    }

    @Test
    void parsesSlosWithTheirDefaultsAndSilenceRules() {
        SlaRules rules = SlaRules.parse("""
                slos:
                  - name: pay-availability
                    type: request
                    services: ["pay"]
                    indicator: availability
                    objective: 0.999
                  - name: pay-latency
                    type: request
                    services: ["pay"]
                    names: ["POST /pay"]
                    indicator: latency
                    threshold_ms: 300
                    objective: 0.99
                    period: 7d
                    min_count: 5
                    tiers:
                      - {severity: warning, long: 6h, short: 30m, factor: 2}
                      - {severity: critical, long: 1h, short: 5m, factor: 10}
                silence:
                  - name: service-silent
                    services: ["*"]
                    for: 5m
                """, "test.yaml");
        assertThat(rules.rules()).isEmpty();
        Slo availability = rules.slos().get(0);
        assertThat(availability.period()).isEqualTo(java.time.Duration.ofDays(30));
        assertThat(availability.names()).isEmpty();
        assertThat(availability.tiers()).extracting(Slo.BurnTier::describe)
                .containsExactly("1h/5m > 14.4", "6h/30m > 6", "1d/2h > 3", "3d/6h > 1");
        assertThat(availability.minCountFor(availability.tiers().get(0))).as("ceil(1 / (0.001 * 14.4))").isEqualTo(70);
        assertThat(availability.minCountFor(availability.tiers().get(3))).isEqualTo(1000);
        Slo latency = rules.slos().get(1);
        assertThat(latency.thresholdMs()).isEqualTo(300.0);
        assertThat(latency.tiers()).as("strongest first").extracting(Slo.BurnTier::describe)
                .containsExactly("1h/5m > 10", "6h/30m > 2");
        assertThat(latency.minCountFor(latency.tiers().get(0))).isEqualTo(5);
        assertThat(rules.silences()).singleElement().satisfies(q -> {
            assertThat(q.after()).isEqualTo(java.time.Duration.ofMinutes(5));
            assertThat(q.type()).isNull();
        });
    }

    @Test
    void defaultTiersScaleWithThePeriodAsSlothAndPyrraDo() {
        assertThat(Slo.defaultTiers(java.time.Duration.ofDays(7))).extracting(Slo.BurnTier::describe)
                .containsExactly("14m/70s > 14.4", "84m/7m > 6", "336m/28m > 3", "1008m/84m > 1");
        assertThat(Slo.defaultTiers(java.time.Duration.ofDays(28)).get(0).longWindow()).isEqualTo(java.time.Duration.ofMinutes(56));
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
        base += """
                slos:
                  - name: pay-latency
                    type: request
                    services: ["pay"]
                    indicator: latency
                    threshold_ms: 300
                    objective: 0.99
                    period: 7d
                    tiers:
                      - {severity: critical, long: 1h, short: 5m, factor: 10}
                silence:
                  - name: service-silent
                    for: 5m
                """;
        String[] tokens = {":", "-", " ", "\n", "\t", "[", "]", "{", "}", "\"", "'", "&a", "*a", "!!str", "!!binary", "#",
                "1e400", "-1", ".nan", "null", "~", "rules:", "name:", "warning:", "critical:", "for:", ">", "<", "%",
                "slos:", "silence:", "objective:", "0", "1", "tiers:", "0s", "period:", "factor:"};
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
