package dev.vigil.alerting;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A validated set of SLA rules, loaded from YAML: the shipped defaults (the SLA table of docs/contracts.md) or a
 * user's {@code --rules FILE}, which replaces them. Every mistake is reported before the job starts,
 * naming the rule and the field:
 *
 * <pre>{@code
 * rules:
 *   - name: request-p95          # unique; letters, digits, '-', '_'
 *     type: request              # request | query | cache | scraper
 *     metric: p95_ms             # count, errors, error_rate, hit_rate, min_ms … p999_ms, max_ms
 *     comparison: ">"            # ">" (above) or "<" (below)
 *     warning: 400
 *     critical: 500
 *     for: 2                     # consecutive breaching windows before it fires (default 1)
 *     resolve_after: 2           # consecutive passing windows before it resolves (default 1)
 *     min_count: 20              # windows with fewer events are not judged (default 1)
 *     services: ["checkout*"]    # optional globs (* and ?); default all
 *     names: ["GET /api/*"]      # optional globs on the name; default all
 *     rollup: include            # include | exclude | only: the name '*' rollup rows (default include)
 * }</pre>
 */
public final class SlaRules implements Serializable {
    private static final long serialVersionUID = 1L;

    static final String DEFAULTS = "dev/vigil/alerting/default-rules.yaml";
    private static final Set<String> TYPES = Set.of("request", "query", "cache", "scraper");
    private static final Set<String> FIELDS = Set.of("name", "type", "metric", "comparison", "warning", "critical",
            "for", "resolve_after", "min_count", "services", "names", "rollup", "description");

    private final List<SlaRule> rules;

    private SlaRules(List<SlaRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public List<SlaRule> rules() {
        return rules;
    }

    /** The shipped defaults: the SLA table of docs/contracts.md, section 7. */
    public static SlaRules defaults() {
        try (InputStream in = SlaRules.class.getClassLoader().getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("default rules missing from the classpath: " + DEFAULTS);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "default rules");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the default rules", e);
        }
    }

    /** A rules file larger than this is refused unread: a few hundred rules take a few tens of KB. */
    static final long MAX_FILE_BYTES = 1024 * 1024;

    /** Loads and validates a rules file. */
    public static SlaRules load(Path file) {
        String text;
        try {
            if (Files.isDirectory(file)) {
                throw new RuleValidationException("rules file " + file + " is a directory");
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new RuleValidationException("rules file " + file + " is " + size + " bytes; at most "
                        + MAX_FILE_BYTES + " are read");
            }
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new RuleValidationException("rules file " + file + " is not valid UTF-8 text", e);
        } catch (IOException e) {
            throw new RuleValidationException("cannot read rules file " + file + ": " + e, e);
        }
        return parse(text, file.toString());
    }

    /** Parses and validates rules from YAML text; {@code source} names it in error messages. */
    public static SlaRules parse(String yaml, String source) {
        JsonNode root;
        try {
            // Two copies of a key (a rule's `warning`, or `rules:` itself) are a mistake, not "the last wins".
            root = new ObjectMapper(YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build()).readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr();
            throw new RuleValidationException(source + ": not valid YAML" + where + ": " + sentences(e.getOriginalMessage()), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new RuleValidationException(source + ": the file is empty; expected a mapping with a 'rules' list");
        }
        if (!root.isObject() || !root.has("rules")) {
            throw new RuleValidationException(source + ": expected a mapping with a 'rules' list");
        }
        JsonNode list = root.get("rules");
        if (!list.isArray() || list.isEmpty()) {
            throw new RuleValidationException(source + ": 'rules' must be a non-empty list");
        }
        List<SlaRule> rules = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            SlaRule rule = new RuleReader(source, i, list.get(i)).read();
            if (!seen.add(rule.name())) {
                throw new RuleValidationException(source + ": rule \"" + rule.name() + "\" (rules[" + i
                        + "]): name is used by an earlier rule");
            }
            rules.add(rule);
        }
        return new SlaRules(rules);
    }

    /** SnakeYAML's message without its indented source excerpts, on one line. */
    private static String sentences(String message) {
        return message.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .collect(java.util.stream.Collectors.joining("; "));
    }

    /** Reads one rule, knowing where it is for the error messages. */
    private static final class RuleReader {
        private final String source;
        private final int index;
        private final JsonNode node;
        private String name;

        RuleReader(String source, int index, JsonNode node) {
            this.source = source;
            this.index = index;
            this.node = node;
        }

        SlaRule read() {
            if (!node.isObject()) {
                throw error("must be a mapping of fields");
            }
            name = node.hasNonNull("name") && node.get("name").isTextual() ? node.get("name").asText() : null;
            rejectUnknownFields();
            if (name == null || !name.matches("[A-Za-z0-9_.-]{1,100}")) {
                throw error("name is required: 1-100 letters, digits, '.', '-' or '_'");
            }
            String type = type();
            String metric = metric(type);
            Comparison comparison = comparison();
            double warning = number("warning");
            double critical = number("critical");
            checkThresholds(metric, comparison, warning, critical);
            return new SlaRule(name, type, globs("services"), globs("names"), rollup(), metric, comparison,
                    warning, critical, integer("for", 1, 1), integer("resolve_after", 1, 1), integer("min_count", 1, 0));
        }

        private void rejectUnknownFields() {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!FIELDS.contains(field)) {
                    throw error("unknown field '" + field + "' (fields: " + String.join(", ", new java.util.TreeSet<>(FIELDS)) + ")");
                }
            }
        }

        private String type() {
            String type = text("type", null);
            if (type == null || !TYPES.contains(type)) { // Set.of(...).contains(null) throws
                throw error("type must be one of request, query, cache, scraper; got " + quoted(type));
            }
            return type;
        }

        private String metric(String type) {
            String metric = text("metric", null);
            if (metric == null || !MetricValues.BY_NAME.containsKey(metric)) {
                throw error("unknown metric " + quoted(metric) + " (one of " + String.join(", ", MetricValues.BY_NAME.keySet()) + ")");
            }
            if (metric.equals("hit_rate") && !type.equals("cache")) {
                throw error("metric hit_rate exists only for type cache");
            }
            return metric;
        }

        private Comparison comparison() {
            Comparison comparison = Comparison.parse(text("comparison", ">"));
            if (comparison == null) {
                throw error("comparison must be \">\" (above) or \"<\" (below); got " + quoted(text("comparison", null)));
            }
            return comparison;
        }

        /** Critical lies beyond warning in the direction of the comparison; rates are fractions. */
        private void checkThresholds(String metric, Comparison comparison, double warning, double critical) {
            if (comparison == Comparison.ABOVE && !(warning < critical)) {
                throw error("warning must be below critical for comparison \">\" (warning " + fmt(warning)
                        + ", critical " + fmt(critical) + ")");
            }
            if (comparison == Comparison.BELOW && !(warning > critical)) {
                throw error("warning must be above critical for comparison \"<\" (warning " + fmt(warning)
                        + ", critical " + fmt(critical) + ")");
            }
            if (MetricValues.isRate(metric) && (warning < 0 || warning > 1 || critical < 0 || critical > 1)) {
                throw error(metric + " is a fraction: thresholds must be between 0 and 1 (write 5% as 0.05)");
            }
        }

        private RollupScope rollup() {
            try {
                return RollupScope.valueOf(text("rollup", "include").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw error("rollup must be include, exclude or only; got " + quoted(text("rollup", null)));
            }
        }

        private String text(String field, String fallback) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isValueNode()) {
                throw error(field + " must be a single value");
            }
            return v.asText();
        }

        private double number(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                throw error(field + " is required");
            }
            if (!v.isNumber()) {
                throw error(field + " must be a number; got " + quoted(v.asText()));
            }
            if (!Double.isFinite(v.asDouble())) {
                throw error(field + " must be a finite number; got " + v.asText());
            }
            return v.asDouble();
        }

        private int integer(String field, int fallback, int min) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > Integer.MAX_VALUE) {
                throw error(field + " must be a whole number >= " + min + "; got " + v.asText());
            }
            return v.asInt();
        }

        private List<String> globs(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            if (v.isTextual()) {
                out.add(v.asText());
            } else if (v.isArray()) {
                for (JsonNode item : v) {
                    if (!item.isTextual() || item.asText().isEmpty()) {
                        throw error(field + " must be a list of non-empty patterns");
                    }
                    out.add(item.asText());
                }
            } else {
                throw error(field + " must be a pattern or a list of patterns");
            }
            return out;
        }

        private RuleValidationException error(String what) {
            String rule = name == null ? "rules[" + index + "]" : "rule \"" + name + "\" (rules[" + index + "])";
            return new RuleValidationException(source + ": " + rule + ": " + what);
        }

        private static String quoted(String s) {
            return s == null ? "nothing" : "\"" + s + "\"";
        }

        private static String fmt(double d) {
            return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
        }
    }
}
