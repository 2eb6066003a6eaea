-- Vigil schema v6: which series a rule judges, said once; the latest transition of each alert series.
--
-- vigil_rule_applies is the job's rule (SlaRule.appliesTo) in SQL: the service matches one of the rule's
-- globs, and the name is the rollup '*' (unless the rule excludes rollups) or matches one of its name
-- globs (unless the rule judges only rollups). sla_compliance and vigil serve both ask it; the rule's
-- type is compared by the caller, where an index can use it.

CREATE FUNCTION vigil_rule_applies(r sla_rules, service text, name text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT vigil_glob_any(service, r.services)
       AND CASE WHEN name = '*' THEN r.rollup <> 'exclude'
                ELSE r.rollup <> 'only' AND vigil_glob_any(name, r.names) END
$$;

-- What is firing now is the latest transition of each alert series (vigil serve, sla_compliance's
-- episodes): read in this order, from this index, not by sorting the whole history.
CREATE INDEX alerts_series_latest ON alerts (rule, type, service, name, window_start DESC, recorded_at DESC);

-- The same report as in v5; the series test now reads vigil_rule_applies.
CREATE OR REPLACE FUNCTION sla_compliance(from_ts timestamptz, to_ts timestamptz, only_rule text DEFAULT NULL,
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
          AND vigil_rule_applies(r, w.service, w.name)
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

