-- Vigil schema v5: SLA reports in SQL.
--
-- sla_rules holds the rules a job judges windows by, written by the job when it starts (a rule it no
-- longer has stays, marked inactive, so reports over older periods can still read its thresholds).
-- sla_compliance(from, to) gives, per rule and series, what an SLA report needs: windows judged and in
-- breach, the compliance, the time spent firing and the incidents.

CREATE TABLE sla_rules (
    rule          text             PRIMARY KEY,
    type          text             NOT NULL,
    services      text[]           NOT NULL,          -- globs (* and ?); empty: every service
    names         text[]           NOT NULL,          -- globs; empty: every name
    rollup        text             NOT NULL CHECK (rollup IN ('include', 'exclude', 'only')),
    metric        text             NOT NULL,          -- a metric_windows column: p95_ms, error_rate, hit_rate, ...
    comparison    text             NOT NULL CHECK (comparison IN ('>', '<')),
    warning       double precision NOT NULL,
    critical      double precision NOT NULL,
    for_windows   integer          NOT NULL,
    resolve_after integer          NOT NULL,
    min_count     bigint           NOT NULL,
    active        boolean          NOT NULL DEFAULT true,
    updated_at    timestamptz      NOT NULL DEFAULT now()
);

COMMENT ON TABLE sla_rules IS
    'The SLA rules of the job that last started on this database (active), and earlier ones it no longer has (inactive). Written by the job at start.';

-- Whether value matches any of the globs (* any run of characters, ? one character); no globs: yes.
-- The same rule as the job's (SlaRule.globToRegex).
CREATE FUNCTION vigil_glob_any(value text, globs text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT cardinality(globs) = 0 OR EXISTS (
        SELECT 1 FROM unnest(globs) AS g
        WHERE value LIKE replace(replace(replace(replace(replace(g, '\', '\\'), '%', '\%'), '_', '\_'), '*', '%'), '?', '_')
    )
$$;

-- A window row's value of a rule's metric; NULL where the row has none (no durations, not a cache).
CREATE FUNCTION vigil_metric_value(w metric_windows, metric text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE metric
        WHEN 'count' THEN w.count::double precision
        WHEN 'errors' THEN w.errors::double precision
        WHEN 'error_rate' THEN w.error_rate
        WHEN 'hit_rate' THEN w.hit_rate
        WHEN 'min_ms' THEN w.min_ms
        WHEN 'mean_ms' THEN w.mean_ms
        WHEN 'p50_ms' THEN w.p50_ms
        WHEN 'p90_ms' THEN w.p90_ms
        WHEN 'p95_ms' THEN w.p95_ms
        WHEN 'p99_ms' THEN w.p99_ms
        WHEN 'p999_ms' THEN w.p999_ms
        WHEN 'max_ms' THEN w.max_ms
    END
$$;

-- Per rule and series, over windows starting in [from_ts, to_ts):
--   windows_judged   windows the rule judged (the series matches, count >= min_count, the metric has a value)
--   windows_breached windows beyond the warning threshold (critical ones included)
--   windows_critical windows beyond the critical threshold
--   compliance_pct   100 * (judged - breached) / judged
--   firing_seconds   time the rule's alert was firing for the series, within the range (from alerts)
--   incidents        firing episodes that overlap the range
-- Windows come from metric_windows, so they count as far back as its retention keeps rows; the time
-- firing and the incidents come from alerts, which retention never drops. A series that only ever
-- fired (its windows gone) still appears, with zero windows and NULL compliance.
CREATE FUNCTION sla_compliance(from_ts timestamptz, to_ts timestamptz, only_rule text DEFAULT NULL,
                               only_service text DEFAULT NULL)
RETURNS TABLE (rule text, type text, service text, name text, windows_judged bigint, windows_breached bigint,
               windows_critical bigint, compliance_pct double precision, firing_seconds double precision,
               incidents bigint)
LANGUAGE sql STABLE AS $$
    WITH rules AS (
        SELECT * FROM sla_rules r WHERE (only_rule IS NULL OR r.rule = only_rule)
    ), judged AS (
        SELECT r.rule, w.type, w.service, w.name,
               count(*) AS windows_judged,
               count(*) FILTER (WHERE CASE r.comparison WHEN '>' THEN v > r.warning ELSE v < r.warning END) AS breached,
               count(*) FILTER (WHERE CASE r.comparison WHEN '>' THEN v > r.critical ELSE v < r.critical END) AS critical
        FROM rules r
        JOIN metric_windows w ON w.type = r.type
        CROSS JOIN LATERAL (SELECT vigil_metric_value(w, r.metric) AS v) value
        WHERE w.window_start >= from_ts AND w.window_start < to_ts
          AND (only_service IS NULL OR w.service = only_service)
          AND w.count >= r.min_count AND value.v IS NOT NULL
          AND vigil_glob_any(w.service, r.services)
          AND CASE WHEN w.name = '*' THEN r.rollup <> 'exclude'
                   ELSE r.rollup <> 'only' AND vigil_glob_any(w.name, r.names) END
        GROUP BY 1, 2, 3, 4
    ), transitions AS (
        -- Alert transitions numbered by episode: a firing starts one, escalations and the resolution
        -- belong to it.
        SELECT a.rule, a.type, a.service, a.name, a.event, a.window_start AS at,
               count(*) FILTER (WHERE a.event = 'firing') OVER (PARTITION BY a.rule, a.type, a.service, a.name
                                                                  ORDER BY a.window_start, a.recorded_at) AS episode
        FROM alerts a
        WHERE a.rule IN (SELECT r.rule FROM rules r) AND (only_service IS NULL OR a.service = only_service)
    ), episodes AS (
        -- From the firing to the resolution; one still firing lasts until now.
        SELECT t.rule, t.type, t.service, t.name,
               greatest(min(t.at) FILTER (WHERE t.event = 'firing'), from_ts) AS lo,
               least(coalesce(min(t.at) FILTER (WHERE t.event = 'resolved'), now()), to_ts) AS hi
        FROM transitions t
        WHERE t.episode > 0
        GROUP BY t.rule, t.type, t.service, t.name, t.episode
    ), fired AS (
        SELECT e.rule, e.type, e.service, e.name,
               sum(extract(epoch FROM e.hi - e.lo)) AS seconds,
               count(*) AS episodes
        FROM episodes e
        WHERE e.hi > e.lo
        GROUP BY 1, 2, 3, 4
    )
    SELECT coalesce(j.rule, f.rule), coalesce(j.type, f.type), coalesce(j.service, f.service), coalesce(j.name, f.name),
           coalesce(j.windows_judged, 0), coalesce(j.breached, 0), coalesce(j.critical, 0),
           CASE WHEN coalesce(j.windows_judged, 0) = 0 THEN NULL
                ELSE 100.0 * (j.windows_judged - j.breached)::double precision / j.windows_judged::double precision END,
           coalesce(f.seconds, 0)::double precision, coalesce(f.episodes, 0)
    FROM judged j
    FULL JOIN fired f ON f.rule = j.rule AND f.type = j.type AND f.service = j.service AND f.name = j.name
    ORDER BY 1, 2, 3, 4
$$;

COMMENT ON FUNCTION sla_compliance(timestamptz, timestamptz, text, text) IS
    'Per SLA rule and series over [from, to): windows judged, in breach (warning or worse) and critical, compliance %, seconds firing and incidents. Optional: one rule, one service.';
