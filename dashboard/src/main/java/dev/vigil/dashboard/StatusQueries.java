package dev.vigil.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.vigil.model.PackedHistogram;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API's questions in SQL, over the job's tables, read-only. Every value a request carries is a bind
 * parameter; the SQL text is built from the constant fragments below only.
 *
 * <p><b>Which rows answer</b>: a range is read from the daily rollups ({@code metric_windows_1d}) for the
 * whole UTC days inside it, from the hourly rollups ({@code metric_windows_1h}) for the whole hours
 * around those, and from the job's window rows ({@code metric_windows}) at its edges, each as far as the
 * job has rolled it up. They agree exactly (a rollup row is the merge of its windows), so this only
 * changes the cost: a UTC day of a service is one row, not 1,440. Histograms
 * are merged (as {@code latency_merge} would) and read once for p50, p95 and p99; percentiles are never
 * averaged.
 */
public final class StatusQueries {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration DAY = Duration.ofDays(1);
    /** History answers stop here; the response says when it was cut. */
    static final int MAX_ALERTS = 1_000;

    private static final String COLUMNS = "type, service, name, window_start, window_end, count, errors, hits, misses, latency_hist";

    /** The latest transition of every alert series (rule, type, service, name); active unless it resolved. */
    private static final String LATEST_TRANSITIONS = """
            SELECT DISTINCT ON (rule, type, service, name) *
            FROM alerts
            WHERE (?::text IS NULL OR service = ?)
            ORDER BY rule, type, service, name, window_start DESC, recorded_at DESC""";

    private final DataSource db;
    private final ServiceWindowCache serviceRows;

    public StatusQueries(DataSource db) {
        this(db, ServiceWindowCache.DEFAULT_MAX_NUMBERS);
    }

    /** {@code maxCachedNumbers}: the bound of the services' rows kept in memory ({@link ServiceWindowCache}). */
    public StatusQueries(DataSource db, long maxCachedNumbers) {
        this.db = db;
        this.serviceRows = new ServiceWindowCache(maxCachedNumbers);
    }

    /**
     * GET /api/services: every (service, type) with windows in the range or an active alert. The services'
     * rows come through {@link ServiceWindowCache}: only window starts that changed since the last
     * overview are read again.
     */
    public ObjectNode services(TimeRange range) throws SQLException {
        Map<String, ObjectNode> byKey = new LinkedHashMap<>();
        try (Connection c = db.getConnection()) {
            Map<String, Totals> totals = new java.util.TreeMap<>();
            for (Branch b : split(c, range, DAY).branches()) {
                for (ServiceWindowCache.Part p : serviceRows.parts(c, b.table(), b.from(), b.to())) {
                    totals.computeIfAbsent(p.type() + "\u0000" + p.service(), k -> new Totals()).add(p);
                }
            }
            for (Map.Entry<String, Totals> g : totals.entrySet()) {
                int split = g.getKey().indexOf('\u0000');
                ObjectNode s = JSON.objectNode();
                s.put("service", g.getKey().substring(split + 1));
                s.put("type", g.getKey().substring(0, split));
                g.getValue().writeTo(s);
                s.put("state", "ok");
                s.put("active_alerts", 0);
                byKey.put(g.getKey(), s);
            }
            for (ObjectNode alert : activeAlerts(c, null)) {
                String key = alert.get("type").asText() + "\u0000" + alert.get("service").asText();
                ObjectNode s = byKey.computeIfAbsent(key, k -> {
                    ObjectNode quiet = JSON.objectNode(); // firing, but no windows in the range: still shown
                    quiet.put("service", alert.get("service").asText());
                    quiet.put("type", alert.get("type").asText());
                    new Totals().writeTo(quiet); // no events, no latency, no lookups
                    quiet.put("state", "ok");
                    quiet.put("active_alerts", 0);
                    return quiet;
                });
                s.put("active_alerts", s.get("active_alerts").asInt() + 1);
                s.put("state", worse(s.get("state").asText(), alert.get("severity").asText()));
            }
        }
        List<ObjectNode> services = new ArrayList<>(byKey.values());
        services.sort((a, b) -> {
            int byService = a.get("service").asText().compareTo(b.get("service").asText());
            return byService != 0 ? byService : a.get("type").asText().compareTo(b.get("type").asText());
        });
        ObjectNode out = JSON.objectNode();
        range(out, range);
        out.putArray("services").addAll(services);
        return out;
    }

    /** GET /api/names: the series (names) of one service and type with windows in the range, busiest first. */
    public ObjectNode names(String service, String type, TimeRange range) throws SQLException {
        ObjectNode out = JSON.objectNode();
        out.put("service", service);
        out.put("type", type);
        range(out, range);
        ArrayNode names = out.putArray("names");
        try (Connection c = db.getConnection()) {
            requireService(c, service);
            Split split = split(c, range, DAY);
            String sql = "WITH w AS (" + split.rows("type = ? AND service = ?") + ")\n"
                    + "SELECT name, sum(count) AS events FROM w GROUP BY name ORDER BY (name <> '*'), events DESC, name";
            try (PreparedStatement st = c.prepareStatement(sql)) {
                split.bind(st, 1, 2, type, service);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        names.addObject().put("name", rs.getString("name")).put("events", rs.getLong("events"));
                    }
                }
            }
        }
        return out;
    }

    /** GET /api/series: one series over the range in at most {@link SeriesResolution#MAX_POINTS} points. */
    public ObjectNode series(String service, String type, String name, TimeRange range) throws SQLException {
        try (Connection c = db.getConnection()) {
            requireService(c, service);
            Duration window = windowLength(c, type, service, name);
            SeriesResolution resolution = SeriesResolution.of(range.length(), window);
            Split split = split(c, range, resolution.longestRollup());
            String sql = merged("SELECT date_bin(? * interval '1 second', window_start, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS k1, "
                    + "NULL::text AS k2, count, errors, hits, misses, latency_hist FROM ("
                    + split.rows("type = ? AND service = ? AND name = ?") + ") r");
            ObjectNode out = JSON.objectNode();
            out.put("service", service);
            out.put("type", type);
            out.put("name", name);
            range(out, range);
            out.put("step_seconds", resolution.step().toSeconds());
            out.put("window_seconds", window.toSeconds());
            ObjectNode points = out.putObject("points");
            ArrayNode t = points.putArray("t");
            ArrayNode count = points.putArray("count");
            ArrayNode errors = points.putArray("errors");
            ArrayNode errorRate = points.putArray("error_rate");
            ArrayNode p50 = points.putArray("p50_ms");
            ArrayNode p95 = points.putArray("p95_ms");
            ArrayNode p99 = points.putArray("p99_ms");
            ArrayNode hitRate = points.putArray("hit_rate");
            try (PreparedStatement st = c.prepareStatement(sql)) {
                st.setLong(1, resolution.step().toSeconds());
                split.bind(st, 2, 3, type, service, name);
                for (Totals step : readMerged(st)) {
                    ObjectNode row = JSON.objectNode();
                    step.writeTo(row);
                    t.add(((Timestamp) step.k1).toInstant().toString());
                    count.add(row.get("events"));
                    errors.add(row.get("errors"));
                    errorRate.add(row.get("error_rate"));
                    p50.add(row.get("p50_ms"));
                    p95.add(row.get("p95_ms"));
                    p99.add(row.get("p99_ms"));
                    hitRate.add(row.get("hit_rate"));
                }
            }
            if (t.isEmpty() && !seriesExists(c, type, service, name)) {
                throw ApiException.notFound("service " + Parameters.quote(service) + " has no " + type
                        + " series named " + Parameters.quote(name));
            }
            out.set("rules", rulesOf(c, type, service, name));
            return out;
        }
    }

    /**
     * GET /api/sla: per rule and series of one service, the newest window's value against the thresholds,
     * the alert state, and compliance over the range (sla_compliance).
     */
    public ObjectNode sla(String service, TimeRange range) throws SQLException {
        String sql = """
                SELECT c.rule, c.type, c.name, r.metric, r.comparison, r.warning, r.critical, r.active,
                       c.windows_judged, c.windows_breached, c.windows_critical, c.compliance_pct, c.firing_seconds, c.incidents,
                       cur.window_end AS value_window_end, cur.value,
                       a.event AS alert_event, a.severity AS alert_severity, a.started_at AS alert_started_at
                FROM sla_compliance(?, ?, NULL, ?) c
                JOIN sla_rules r ON r.rule = c.rule
                LEFT JOIN LATERAL (
                    SELECT w.window_end, vigil_metric_value(w, r.metric) AS value
                    FROM metric_windows w
                    WHERE w.type = c.type AND w.service = ? AND w.name = c.name AND w.window_start < ? AND w.count >= r.min_count
                    ORDER BY w.window_start DESC LIMIT 1) cur ON true
                LEFT JOIN LATERAL (
                    SELECT a.event, a.severity, a.started_at
                    FROM alerts a
                    WHERE a.rule = c.rule AND a.type = c.type AND a.service = ? AND a.name = c.name
                    ORDER BY a.window_start DESC, a.recorded_at DESC LIMIT 1) a ON true
                ORDER BY c.type, c.rule, (c.name <> '*'), c.name""";
        ObjectNode out = JSON.objectNode();
        out.put("service", service);
        range(out, range);
        ArrayNode rules = out.putArray("rules");
        try (Connection c = db.getConnection()) {
            requireService(c, service);
            try (PreparedStatement st = c.prepareStatement(sql)) {
                bind(st, 1, range.from(), range.to(), service, service, range.to(), service);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        ObjectNode r = rules.addObject();
                        r.put("rule", rs.getString("rule"));
                        r.put("type", rs.getString("type"));
                        r.put("name", rs.getString("name"));
                        r.put("metric", rs.getString("metric"));
                        r.put("comparison", rs.getString("comparison"));
                        r.put("warning", rs.getDouble("warning"));
                        r.put("critical", rs.getDouble("critical"));
                        r.put("active", rs.getBoolean("active"));
                        Double value = nullableDouble(rs, "value");
                        r.put("value", value);
                        r.put("value_window_end", iso(rs.getTimestamp("value_window_end")));
                        r.put("value_state", value == null ? null : judge(value, rs.getString("comparison"),
                                rs.getDouble("warning"), rs.getDouble("critical")));
                        String event = rs.getString("alert_event");
                        boolean firing = event != null && !event.equals("resolved");
                        r.put("alert_state", firing ? rs.getString("alert_severity") : "ok");
                        r.put("alert_since", firing ? iso(rs.getTimestamp("alert_started_at")) : null);
                        r.put("windows_judged", rs.getLong("windows_judged"));
                        r.put("windows_breached", rs.getLong("windows_breached"));
                        r.put("windows_critical", rs.getLong("windows_critical"));
                        r.put("compliance_pct", nullableDouble(rs, "compliance_pct"));
                        r.put("firing_seconds", rs.getDouble("firing_seconds"));
                        r.put("incidents", rs.getLong("incidents"));
                    }
                }
            }
            out.putArray("slos").addAll(slos(c, service, range));
        }
        return out;
    }

    /**
     * Where each SLO of a service stood at the end of the range: the newest {@code slo_status} row of each
     * SLO series in the range (its budget over the SLO's period up to then, its burn rates, its alert).
     */
    private static List<ObjectNode> slos(Connection c, String service, TimeRange range) throws SQLException {
        String sql = """
                SELECT DISTINCT ON (s.slo, s.type, s.name) s.slo, s.type, s.name, s.window_end, s.objective, s.good,
                       s.total, s.budget_remaining, s.burn_rates::text AS burn_rates, s.state
                FROM slo_status s
                WHERE s.service = ? AND s.window_end > ? AND s.window_end <= ?
                ORDER BY s.slo, s.type, s.name, s.window_end DESC""";
        List<ObjectNode> slos = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            bind(st, 1, service, range.from(), range.to());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    ObjectNode o = JSON.objectNode();
                    o.put("slo", rs.getString("slo"));
                    o.put("type", rs.getString("type"));
                    o.put("name", rs.getString("name"));
                    o.put("window_end", iso(rs.getTimestamp("window_end")));
                    o.put("objective", rs.getDouble("objective"));
                    o.put("good", rs.getLong("good"));
                    o.put("total", rs.getLong("total"));
                    o.put("budget_remaining", rs.getDouble("budget_remaining"));
                    try {
                        // jsonb keeps keys in its own order; the API gives the windows shortest first.
                        JsonNode stored = MAPPER.readTree(rs.getString("burn_rates"));
                        List<String> windows = new ArrayList<>();
                        stored.fieldNames().forEachRemaining(windows::add);
                        windows.sort(java.util.Comparator.comparing(dev.vigil.model.Durations::parse));
                        ObjectNode burn = o.putObject("burn_rates");
                        windows.forEach(w -> burn.set(w, stored.get(w)));
                    } catch (java.io.IOException e) {
                        throw new SQLException("slo_status.burn_rates is not JSON: " + e.getMessage(), e);
                    }
                    o.put("alert_state", rs.getString("state"));
                    slos.add(o);
                }
            }
        }
        return slos;
    }

    /** GET /api/alerts?state=active: the alert series whose latest transition is not a resolution. */
    public ObjectNode activeAlerts(String service) throws SQLException {
        try (Connection c = db.getConnection()) {
            if (service != null) {
                requireService(c, service);
            }
            ObjectNode out = JSON.objectNode();
            out.put("state", "active");
            out.putArray("alerts").addAll(activeAlerts(c, service));
            return out;
        }
    }

    /** GET /api/alerts?state=all: every transition whose window overlaps the range, newest first. */
    public ObjectNode alertHistory(String service, TimeRange range) throws SQLException {
        String sql = "SELECT * FROM alerts WHERE window_end > ? AND window_start < ? AND (?::text IS NULL OR service = ?) "
                + "ORDER BY window_start DESC, recorded_at DESC, alert_id LIMIT " + (MAX_ALERTS + 1);
        try (Connection c = db.getConnection()) {
            if (service != null) {
                requireService(c, service);
            }
            ObjectNode out = JSON.objectNode();
            out.put("state", "all");
            range(out, range);
            ArrayNode alerts = out.putArray("alerts");
            try (PreparedStatement st = c.prepareStatement(sql)) {
                bind(st, 1, range.from(), range.to(), service, service);
                try (ResultSet rs = st.executeQuery()) {
                    boolean truncated = false;
                    while (rs.next()) {
                        if (alerts.size() == MAX_ALERTS) {
                            truncated = true;
                            break;
                        }
                        alerts.add(alert(rs));
                    }
                    out.put("truncated", truncated);
                }
            }
            return out;
        }
    }

    /** Whether PostgreSQL answers, and how fast (GET /api/health). */
    public long pingMillis() throws SQLException {
        long start = System.nanoTime();
        try (Connection c = db.getConnection(); PreparedStatement st = c.prepareStatement("SELECT 1"); ResultSet rs = st.executeQuery()) {
            rs.next();
        }
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    /**
     * What {@code vigil serve} needs of the schema (v8: rollups, sla_rules, vigil_rule_applies, alerts.fingerprint, slo_status); null when
     * all there, else what is missing.
     */
    public String missingSchema() throws SQLException {
        String sql = "SELECT to_regclass('metric_windows_1h') IS NOT NULL AND to_regclass('sla_rules') IS NOT NULL "
                + "AND to_regclass('alerts') IS NOT NULL "
                + "AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('alerts') AND attname = 'fingerprint') "
                + "AND to_regclass('slo_status') IS NOT NULL "
                + "AND to_regprocedure('vigil_rule_applies(sla_rules, text, text)') IS NOT NULL";
        try (Connection c = db.getConnection(); PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getBoolean(1) ? null : "the database has no Vigil schema v8 (tables metric_windows_1h, sla_rules, alerts with fingerprint, slo_status); run vigil migrate";
        }
    }

    // ---------------------------------------------------------------------------------------------

    private List<ObjectNode> activeAlerts(Connection c, String service) throws SQLException {
        List<ObjectNode> active = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(LATEST_TRANSITIONS)) {
            bind(st, 1, service, service);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (!rs.getString("event").equals("resolved")) {
                        active.add(alert(rs));
                    }
                }
            }
        }
        active.sort((a, b) -> {
            int bySeverity = Boolean.compare(!"critical".equals(a.get("severity").asText()), !"critical".equals(b.get("severity").asText()));
            return bySeverity != 0 ? bySeverity : b.get("started_at").asText().compareTo(a.get("started_at").asText());
        });
        return active;
    }

    private static ObjectNode alert(ResultSet rs) throws SQLException {
        ObjectNode a = JSON.objectNode();
        a.put("alert_id", rs.getString("alert_id"));
        a.put("event", rs.getString("event"));
        a.put("rule", rs.getString("rule"));
        a.put("severity", rs.getString("severity"));
        a.put("type", rs.getString("type"));
        a.put("service", rs.getString("service"));
        a.put("name", rs.getString("name"));
        a.put("metric", rs.getString("metric"));
        a.put("value", nullableDouble(rs, "value"));
        a.put("threshold", nullableDouble(rs, "threshold"));
        a.put("window_start", iso(rs.getTimestamp("window_start")));
        a.put("window_end", iso(rs.getTimestamp("window_end")));
        a.put("started_at", iso(rs.getTimestamp("started_at")));
        a.put("summary", rs.getString("summary"));
        a.put("fingerprint", rs.getString("fingerprint"));
        a.put("status", rs.getString("status"));
        a.put("recorded_at", iso(rs.getTimestamp("recorded_at")));
        return a;
    }

    private static ArrayNode rulesOf(Connection c, String type, String service, String name) throws SQLException {
        String sql = "SELECT rule, metric, comparison, warning, critical FROM sla_rules r "
                + "WHERE r.active AND r.type = ? AND vigil_rule_applies(r, ?, ?) ORDER BY rule";
        ArrayNode rules = JSON.arrayNode();
        try (PreparedStatement st = c.prepareStatement(sql)) {
            bind(st, 1, type, service, name);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rules.addObject()
                            .put("rule", rs.getString("rule"))
                            .put("metric", rs.getString("metric"))
                            .put("comparison", rs.getString("comparison"))
                            .put("warning", rs.getDouble("warning"))
                            .put("critical", rs.getDouble("critical"));
                }
            }
        }
        return rules;
    }

    private static void requireService(Connection c, String service) throws SQLException {
        String sql = """
                SELECT EXISTS (SELECT 1 FROM metric_windows_1d WHERE type = ANY (ARRAY['request', 'query', 'cache', 'scraper']) AND service = ?)
                    OR EXISTS (SELECT 1 FROM metric_windows_1h WHERE type = ANY (ARRAY['request', 'query', 'cache', 'scraper']) AND service = ?)
                    OR EXISTS (SELECT 1 FROM metric_windows WHERE type = ANY (ARRAY['request', 'query', 'cache', 'scraper']) AND service = ?)
                    OR EXISTS (SELECT 1 FROM alerts WHERE service = ?)""";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            bind(st, 1, service, service, service, service);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw ApiException.notFound("unknown service " + Parameters.quote(service) + ": Vigil has no windows or alerts of it");
                }
            }
        }
    }

    private static boolean seriesExists(Connection c, String type, String service, String name) throws SQLException {
        String sql = "SELECT EXISTS (SELECT 1 FROM metric_windows_1d WHERE type = ? AND service = ? AND name = ?) "
                + "OR EXISTS (SELECT 1 FROM metric_windows WHERE type = ? AND service = ? AND name = ?)";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            bind(st, 1, type, service, name, type, service, name);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The job's window length, read off the series' newest row (the job's window is configurable). */
    private static Duration windowLength(Connection c, String type, String service, String name) throws SQLException {
        String sql = "SELECT extract(epoch FROM window_end - window_start) FROM metric_windows "
                + "WHERE type = ? AND service = ? AND name = ? ORDER BY window_start DESC LIMIT 1";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            bind(st, 1, type, service, name);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Duration.ofMillis(Math.round(rs.getDouble(1) * 1000)) : Duration.ofMinutes(1);
            }
        }
    }

    /**
     * Splits a range into the coarsest rows that answer it exactly: daily rollups for the whole UTC days
     * inside it, hourly rollups for the whole hours around those, window rows at the edges — each
     * coarser table only as far as the job has rolled it up (a period's row is written when the event
     * time passes its end; until then its finer rows answer). {@code coarsest} is the longest period
     * allowed (a series' step must hold whole periods): zero for window rows only, an hour, or a day.
     */
    private static Split split(Connection c, TimeRange range, Duration coarsest) throws SQLException {
        Instant from = range.from();
        Instant to = range.to();
        Instant hourFrom = ceil(from, HOUR);
        Instant hourTo = floor(to, HOUR);
        if (coarsest.compareTo(HOUR) < 0 || !hourFrom.isBefore(hourTo)) {
            return new Split(List.of(new Branch("metric_windows", from, to)));
        }
        hourTo = rolledUpThrough(c, "metric_windows_1h", hourFrom, hourTo);
        if (!hourFrom.isBefore(hourTo)) {
            return new Split(List.of(new Branch("metric_windows", from, to)));
        }
        Instant dayFrom = hourFrom;
        Instant dayTo = hourFrom;
        if (coarsest.compareTo(DAY) >= 0) {
            Instant wholeFrom = ceil(from, DAY);
            Instant wholeTo = floor(hourTo, DAY);
            if (wholeFrom.isBefore(wholeTo)) {
                Instant through = rolledUpThrough(c, "metric_windows_1d", wholeFrom, wholeTo);
                if (wholeFrom.isBefore(through)) {
                    dayFrom = wholeFrom;
                    dayTo = through;
                }
            }
        }
        List<Branch> branches = new ArrayList<>();
        branches.add(new Branch("metric_windows", from, hourFrom));
        branches.add(new Branch("metric_windows_1h", hourFrom, dayFrom));
        branches.add(new Branch("metric_windows_1d", dayFrom, dayTo));
        branches.add(new Branch("metric_windows_1h", dayTo, hourTo));
        branches.add(new Branch("metric_windows", hourTo, to));
        branches.removeIf(branch -> !branch.from().isBefore(branch.to()));
        return new Split(branches);
    }

    /** The end of the last period {@code table} holds a row of in [from, to), at most {@code to}; {@code from} if none. */
    private static Instant rolledUpThrough(Connection c, String table, Instant from, Instant to) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT max(window_end) FROM " + table + " WHERE window_start >= ? AND window_start < ?")) {
            bind(st, 1, from, to);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                Timestamp end = rs.getTimestamp(1);
                return end == null ? from : end.toInstant().isBefore(to) ? end.toInstant() : to;
            }
        }
    }

    private static Instant floor(Instant t, Duration period) {
        return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), period.toMillis()) * period.toMillis());
    }

    private static Instant ceil(Instant t, Duration period) {
        Instant floor = floor(t, period);
        return floor.equals(t) ? t : floor.plus(period);
    }

    /** Rows of one table whose window starts in [from, to). */
    private record Branch(String table, Instant from, Instant to) {
    }

    /** The branches of a range, adjacent and in time order: their rows together are the range's, once. */
    private record Split(List<Branch> branches) {
        String rows(String filter) {
            StringBuilder sql = new StringBuilder();
            for (Branch b : branches) {
                sql.append(sql.length() == 0 ? "" : "\n UNION ALL ").append("SELECT ").append(COLUMNS).append(" FROM ").append(b.table())
                        .append(" WHERE window_start >= ? AND window_start < ? AND ").append(filter);
            }
            return sql.toString();
        }

        /** Binds every branch's range and filter values from {@code index}; returns the next index. */
        int bind(PreparedStatement st, int index, int filterCount, Object... filter) throws SQLException {
            for (Branch b : branches) {
                index = StatusQueries.bind(st, index, b.from(), b.to());
                for (int i = 0; i < filterCount; i++) {
                    index = StatusQueries.bind(st, index, filter[i]);
                }
            }
            return index;
        }
    }

    private static int bind(PreparedStatement st, int index, Object... values) throws SQLException {
        for (Object v : values) {
            if (v instanceof Instant t) {
                st.setTimestamp(index++, Timestamp.from(t));
            } else if (v == null) {
                st.setNull(index++, java.sql.Types.VARCHAR);
            } else {
                st.setString(index++, v.toString());
            }
        }
        return index;
    }

    /**
     * Per group of {@code rows} (its key columns k1, k2): the sums of the counters (the row with a NULL
     * {@code bucket}) and the merged histogram, one row per bucket ({@code events} holds its count). The
     * merge is one set-based {@code unnest} + {@code GROUP BY} over a single bigint key (the group's
     * number, then the bucket), not latency_merge: PL/pgSQL costs about a microsecond per bucket, text
     * keys three times what one bigint costs, and shipping whole histograms here costs more in array text
     * than merging them there (docs/performance.md). Groups are numbered in key order.
     */
    private static String merged(String rows) {
        return "WITH w AS MATERIALIZED (SELECT dense_rank() OVER (ORDER BY k1, k2) AS g, * FROM (" + rows + ") k)\n"
                + "SELECT g, min(k1) AS k1, min(k2) AS k2, NULL::bigint AS bucket, sum(count) AS events, sum(errors) AS errors, "
                + "sum(hits) AS hits, sum(misses) AS misses FROM w GROUP BY g\n"
                + "UNION ALL SELECT key >> " + GROUP_SHIFT + ", NULL, NULL, key & " + ((1L << GROUP_SHIFT) - 1) + ", n, NULL, NULL, NULL FROM (" // (operators of one precedence: keep the parentheses)
                + "SELECT (g << " + GROUP_SHIFT + ") | (x >> " + PackedHistogram.COUNT_BITS + ") AS key, sum(x & " + PackedHistogram.MAX_COUNT
                + ") AS n FROM w CROSS JOIN LATERAL unnest(w.latency_hist) AS x GROUP BY 1) m";
    }

    /** Bucket indexes of nanosecond latencies stay below 2^13 (PackedHistogram.bucketIndex(Long.MAX_VALUE) = 7,423). */
    private static final int GROUP_SHIFT = 13;

    /** The groups of a {@link #merged} query, in key order. */
    private static java.util.Collection<Totals> readMerged(PreparedStatement st) throws SQLException {
        java.util.TreeMap<Long, Totals> groups = new java.util.TreeMap<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                groups.computeIfAbsent(rs.getLong("g"), g -> new Totals()).add(rs);
            }
        }
        return groups.values();
    }

    private static void range(ObjectNode out, TimeRange range) {
        out.put("from", range.from().toString());
        out.put("to", range.to().toString());
    }

    /** ok, warning or critical: how a value stands against a rule's thresholds ({@code >} or {@code <}). */
    static String judge(double value, String comparison, double warning, double critical) {
        boolean above = comparison.equals(">");
        if (above ? value > critical : value < critical) {
            return "critical";
        }
        return (above ? value > warning : value < warning) ? "warning" : "ok";
    }

    private static String worse(String a, String b) {
        return a.equals("critical") || b.equals("critical") ? "critical" : a.equals("warning") || b.equals("warning") ? "warning" : "ok";
    }

    private static String iso(Timestamp t) {
        return t == null ? null : t.toInstant().toString();
    }

    private static Double nullableDouble(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() || !Double.isFinite(v) ? null : v;
    }

    static String write(ObjectMapper mapper, JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
