package dev.vigil.alerting;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.model.Durations;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A validated rules file, loaded from YAML: SLA rules ({@code rules:}), SLOs ({@code slos:}) and silence
 * rules ({@code silence:}), each section optional. The shipped defaults (the SLA table of
 * docs/contracts.md) hold SLA rules only; a user's {@code --rules FILE} replaces them. Every mistake is
 * reported before the job starts, naming the entry and the field:
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
 * slos:
 *   - name: pay-availability
 *     type: request
 *     services: ["pay"]          # globs; names: [...] optional, default the service rollup '*'
 *     indicator: availability    # availability (not an error) | latency (at most threshold_ms)
 *     objective: 0.999           # strictly between 0 and 1
 *     period: 30d                # rolling; default 30d
 *     min_count: 100             # optional: events a tier's short window needs to judge
 *     tiers:                     # optional: replaces the default tiers; [] never alerts
 *       - {severity: critical, long: 1h, short: 5m, factor: 14.4}
 * silence:
 *   - name: service-silent
 *     services: ["*"]            # optional type:, names:
 *     for: 5m                    # fires after this long without a window from a series that was reporting
 * }</pre>
 */
public final class SlaRules implements Serializable {
    private static final long serialVersionUID = 1L;

    static final String DEFAULTS = "dev/vigil/alerting/default-rules.yaml";
    private static final Set<String> TYPES = Set.of("request", "query", "cache", "scraper");
    private static final Set<String> FIELDS = Set.of("name", "type", "metric", "comparison", "warning", "critical",
            "for", "resolve_after", "min_count", "services", "names", "rollup", "description");

    private static final Set<String> SECTIONS = Set.of("rules", "slos", "silence");
    private static final Set<String> SLO_FIELDS = Set.of("name", "type", "services", "names", "indicator",
            "threshold_ms", "objective", "period", "min_count", "tiers", "description");
    private static final Set<String> TIER_FIELDS = Set.of("severity", "long", "short", "factor");
    private static final Set<String> SILENCE_FIELDS = Set.of("name", "type", "services", "names", "for", "description");

    private final List<SlaRule> rules;
    private final List<Slo> slos;
    private final List<SilenceRule> silences;

    private SlaRules(List<SlaRule> rules, List<Slo> slos, List<SilenceRule> silences) {
        this.rules = List.copyOf(rules);
        this.slos = List.copyOf(slos);
        this.silences = List.copyOf(silences);
    }

    /** The SLA rules: thresholds per window. */
    public List<SlaRule> rules() {
        return rules;
    }

    /** The SLOs: objectives over a period, with burn-rate alerts. */
    public List<Slo> slos() {
        return slos;
    }

    /** The "stopped reporting" rules. */
    public List<SilenceRule> silences() {
        return silences;
    }

    /** The same SLA rules with these SLOs and silence rules (for tests and embedding). */
    public SlaRules with(List<Slo> slos, List<SilenceRule> silences) {
        return new SlaRules(rules, slos, silences);
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
            throw new RuleValidationException(source + ": the file is empty; expected a mapping with a 'rules', 'slos' or 'silence' list");
        }
        if (!root.isObject()) {
            throw new RuleValidationException(source + ": expected a mapping with a 'rules', 'slos' or 'silence' list");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String section = it.next();
            if (!SECTIONS.contains(section)) {
                throw new RuleValidationException(source + ": unknown section '" + section + "' (sections: rules, slos, silence)");
            }
        }
        if (!root.has("rules") && !root.has("slos") && !root.has("silence")) {
            throw new RuleValidationException(source + ": expected a mapping with a 'rules', 'slos' or 'silence' list");
        }
        Set<String> seen = new HashSet<>(); // one name space: every alert's `rule` column names one of them
        List<SlaRule> rules = new ArrayList<>();
        JsonNode list = section(root, "rules", source);
        for (int i = 0; i < list.size(); i++) {
            SlaRule rule = new RuleReader(source, "rules", "rule", i, list.get(i), FIELDS).readRule();
            unique(seen, rule.name(), source, "rule", "rules", i);
            rules.add(rule);
        }
        List<Slo> slos = new ArrayList<>();
        list = section(root, "slos", source);
        for (int i = 0; i < list.size(); i++) {
            Slo slo = new RuleReader(source, "slos", "slo", i, list.get(i), SLO_FIELDS).readSlo();
            unique(seen, slo.name(), source, "slo", "slos", i);
            slos.add(slo);
        }
        List<SilenceRule> silences = new ArrayList<>();
        list = section(root, "silence", source);
        for (int i = 0; i < list.size(); i++) {
            SilenceRule silence = new RuleReader(source, "silence", "silence rule", i, list.get(i), SILENCE_FIELDS).readSilence();
            unique(seen, silence.name(), source, "silence rule", "silence", i);
            silences.add(silence);
        }
        return new SlaRules(rules, slos, silences);
    }

    private static JsonNode section(JsonNode root, String name, String source) {
        JsonNode list = root.get(name);
        if (list == null) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        }
        if (!list.isArray() || list.isEmpty()) {
            throw new RuleValidationException(source + ": '" + name + "' must be a non-empty list");
        }
        return list;
    }

    private static void unique(Set<String> seen, String name, String source, String kind, String section, int index) {
        if (!seen.add(name)) {
            throw new RuleValidationException(source + ": " + kind + " \"" + name + "\" (" + section + "[" + index
                    + "]): name is used by an earlier rule, SLO or silence rule");
        }
    }

    static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** SnakeYAML's message without its indented source excerpts, on one line. */
    private static String sentences(String message) {
        return message.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .collect(java.util.stream.Collectors.joining("; "));
    }

    /** Reads one entry of a section, knowing where it is for the error messages. */
    private static final class RuleReader {
        private final String source;
        private final String section;
        private final String kind;
        private final int index;
        private final JsonNode node;
        private final Set<String> fields;
        private String name;
        /** Where inside the entry this reader reads ({@code tiers[0]: }), for the error messages. */
        private String prefix = "";

        RuleReader(String source, String section, String kind, int index, JsonNode node, Set<String> fields) {
            this.source = source;
            this.section = section;
            this.kind = kind;
            this.index = index;
            this.node = node;
            this.fields = fields;
        }

        /** The checks every entry shares: a mapping, known fields, a valid name. */
        private void readName() {
            if (!node.isObject()) {
                throw error("must be a mapping of fields");
            }
            name = node.hasNonNull("name") && node.get("name").isTextual() ? node.get("name").asText() : null;
            rejectUnknownFields(node, fields, "");
            if (name == null || !name.matches("[A-Za-z0-9_.-]{1,100}")) {
                throw error("name is required: 1-100 letters, digits, '.', '-' or '_'");
            }
        }

        Slo readSlo() {
            readName();
            String type = type();
            Slo.Indicator indicator = indicator();
            double thresholdMs = Double.NaN;
            if (indicator == Slo.Indicator.LATENCY) {
                if (type.equals("cache")) {
                    throw error("indicator latency needs durations; cache events are judged by availability");
                }
                if (!node.hasNonNull("threshold_ms")) {
                    throw error("threshold_ms is required for indicator latency (good: the event took at most this many ms)");
                }
                thresholdMs = number("threshold_ms");
                if (thresholdMs <= 0) {
                    throw error("threshold_ms must be above 0; got " + fmt(thresholdMs));
                }
            } else if (node.has("threshold_ms")) {
                throw error("threshold_ms belongs to indicator latency, not availability");
            }
            double objective = number("objective");
            if (!(objective > 0 && objective < 1)) {
                throw error("objective must be strictly between 0 and 1, such as 0.999 for 99.9%; got " + fmt(objective));
            }
            Duration period = duration("period", Slo.REFERENCE_PERIOD);
            List<Slo.BurnTier> tiers = node.has("tiers") ? tiers(period) : Slo.defaultTiers(period);
            return new Slo(name, type, globs("services"), globs("names"), indicator, thresholdMs, objective, period,
                    integer("min_count", 0, 1), tiers);
        }

        SilenceRule readSilence() {
            readName();
            String type = node.hasNonNull("type") ? type() : null;
            if (!node.hasNonNull("for")) {
                throw error("for is required: how long a series that was reporting may send nothing, such as 5m");
            }
            return new SilenceRule(name, type, globs("services"), globs("names"), duration("for", null));
        }

        SlaRule readRule() {
            readName();
            String type = type();
            String metric = metric(type);
            Comparison comparison = comparison();
            double warning = number("warning");
            double critical = number("critical");
            checkThresholds(metric, comparison, warning, critical);
            return new SlaRule(name, type, globs("services"), globs("names"), rollup(), metric, comparison,
                    warning, critical, integer("for", 1, 1), integer("resolve_after", 1, 1), integer("min_count", 1, 0));
        }

        private void rejectUnknownFields(JsonNode entry, Set<String> known, String where) {
            for (Iterator<String> it = entry.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!known.contains(field)) {
                    throw error(where + "unknown field '" + field + "' (fields: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
                }
            }
        }

        private Slo.Indicator indicator() {
            String indicator = text("indicator", null);
            try {
                return Slo.Indicator.valueOf(String.valueOf(indicator).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw error("indicator must be availability or latency; got " + quoted(indicator));
            }
        }

        private Duration duration(String field, Duration fallback) {
            String text = text(field, null);
            if (text == null) {
                return fallback;
            }
            Duration d;
            try {
                d = Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw error(field + ": " + e.getMessage());
            }
            if (d.isZero()) {
                throw error(field + " must be longer than 0");
            }
            return d;
        }

        private List<Slo.BurnTier> tiers(Duration period) {
            JsonNode list = node.get("tiers");
            if (!list.isArray()) {
                throw error("tiers must be a list (an empty list: the SLO never alerts, it only reports)");
            }
            List<Slo.BurnTier> tiers = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                RuleReader tier = new RuleReader(source, section, kind, index, list.get(i), TIER_FIELDS);
                tier.name = name;
                tier.prefix = "tiers[" + i + "]: ";
                if (!tier.node.isObject()) {
                    throw tier.error("must be a mapping of severity, long, short and factor");
                }
                tier.rejectUnknownFields(tier.node, TIER_FIELDS, "");
                Severity severity;
                try {
                    severity = Severity.valueOf(String.valueOf(tier.text("severity", null)).toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw tier.error("severity must be warning or critical; got " + quoted(tier.text("severity", null)));
                }
                Duration longWindow = tier.requiredDuration("long");
                Duration shortWindow = tier.requiredDuration("short");
                if (shortWindow.compareTo(longWindow) >= 0) {
                    throw tier.error("short (" + Durations.format(shortWindow) + ") must be shorter than long ("
                            + Durations.format(longWindow) + ")");
                }
                if (longWindow.compareTo(period) > 0) {
                    throw tier.error("long (" + Durations.format(longWindow) + ") must not be longer than the period ("
                            + Durations.format(period) + ")");
                }
                if (!tier.node.hasNonNull("factor")) {
                    throw tier.error("factor is required (the burn rate both windows must exceed, such as 14.4)");
                }
                double factor = tier.number("factor");
                if (!(factor > 0)) {
                    throw tier.error("factor must be above 0; got " + fmt(factor));
                }
                tiers.add(new Slo.BurnTier(severity, longWindow, shortWindow, factor));
            }
            // Strongest first: the first tier that holds decides the alert's severity and value.
            tiers.sort(java.util.Comparator.comparing(Slo.BurnTier::severity).reversed()
                    .thenComparing(java.util.Comparator.comparingDouble(Slo.BurnTier::factor).reversed()));
            return tiers;
        }

        private Duration requiredDuration(String field) {
            if (!node.hasNonNull(field)) {
                throw error(field + " is required (a duration such as 1h)");
            }
            return duration(field, null);
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
            String at = section + "[" + index + "]";
            String entry = name == null ? at : kind + " \"" + name + "\" (" + at + ")";
            return new RuleValidationException(source + ": " + entry + ": " + prefix + what);
        }

        private static String quoted(String s) {
            return s == null ? "nothing" : "\"" + s + "\"";
        }

        private static String fmt(double d) {
            return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
        }
    }
}
