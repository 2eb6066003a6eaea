-- Vigil schema v12: the quantile functions read each row once in their first pass, and a series' quantiles
-- run a plan the session keeps.
--
-- 1. One scan for the first pass. It summed indexed rows and rows without an index (written before v9, or
--    by hand) in two branches of a UNION ALL, each with its own scan of the range: the second found
--    nothing where every row is indexed, but still visited each row's heap page (a day of one series'
--    minute rows: 1,440 pages, about 1.7 ms). Now one scan feeds both.
-- 2. Planned once per session for one series. The query was built as text and planned on every call
--    (EXECUTE): planning it took about as long as running it for a day of minute rows. Where the caller
--    names the series (service, type and name) of metric_windows, its rollups or latency_quantiles(),
--    the query is a static statement of a PL/pgSQL function, whose plan the session caches; the other
--    forms (any of them NULL: the series' filter then cannot use the primary key in a cached plan; or
--    another table) are planned per call as before.
--
-- Same answers. pgbench on `vigil bench sql`'s data (docs/performance.md): p95 of one series over a day of
-- minute rows 17.4-29.6 ms (v11) -> 15.9-19.3 ms (1.) -> 9.3-9.7 ms (2.).

-- The statement both forms run, for a source (a table, or a parenthesised query whose rows have
-- metric_windows' columns and may read the instants $7), with placeholders: $1, $2 the range [from, to),
-- $3-$5 service, type, name, $6 the quantiles, $7 the bounds of a tiled source. one_series: $3-$5 are
-- all given (a filter the primary key serves in any plan); otherwise NULL ones select every one.
-- Two passes: the first adds up the index (a few numbers a row) per series and group, which names the
-- group holding each quantile's rank and the rank within it; the second merges only those groups' buckets.
CREATE FUNCTION vigil_quantiles_query(source text, one_series boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT format($query$
    WITH src AS NOT MATERIALIZED (
        SELECT t.service, t.type, t.name, t.latency_hist AS h, t.latency_hist_index AS x FROM %s t
        WHERE t.window_start >= $1 AND t.window_start < $2 AND t.latency_hist IS NOT NULL
          %s
    ), indexes AS NOT MATERIALIZED (
        -- The indexes, projected (x[1] makes the projection real, OFFSET 0 keeps it): the join below
        -- then repeats these columns, not whole heap tuples that hold inline-compressed histograms of
        -- 2 kB (720 hourly rows: 5 instead of 23 ms). A row without an index brings its histogram
        -- (hw); an indexed row a NULL there, which costs nothing to carry.
        SELECT s.service, s.type, s.name, s.x, s.x[1] AS lo, CASE WHEN s.x IS NULL THEN s.h END AS hw
        FROM src s OFFSET 0
    ), per_group AS (
        -- one number per group of an indexed row (unnest, not a subscript per element: each x[i]
        -- copies the array out of its short on-disk header; 720 hourly rows: 15 ms against 5.5 ms),
        -- every bucket of a row without an index: both from the one scan of the rows
        SELECT s.service, s.type, s.name, g.grp, sum(g.c) AS c
        FROM indexes s, LATERAL (
            SELECT s.lo + e.i - 2 AS grp, e.v & 68719476735 AS c
            FROM unnest(s.x) WITH ORDINALITY AS e(v, i) WHERE e.i > 1
            UNION ALL
            SELECT y >> 47, y & 1099511627775 FROM unnest(s.hw) AS y
        ) g
        GROUP BY 1, 2, 3, 4
    ), groups AS (
        SELECT g.service, g.type, g.name, g.grp, sum(g.c) AS c FROM per_group g GROUP BY 1, 2, 3, 4 HAVING sum(g.c) > 0
    ), cum AS (
        SELECT g.*, sum(g.c) OVER (PARTITION BY g.service, g.type, g.name ORDER BY g.grp) AS upto,
               sum(g.c) OVER (PARTITION BY g.service, g.type, g.name) AS total
        FROM groups g
    ), wanted AS (
        -- per series and quantile: the group that holds its rank, and the rank within the group
        SELECT DISTINCT ON (c.service, c.type, c.name, w.i) c.service, c.type, c.name, w.i, c.total, c.grp,
               greatest(1, ceil(w.q * c.total::double precision)) - (c.upto - c.c) AS rank_in
        FROM cum c, unnest($6) WITH ORDINALITY AS w(q, i)
        WHERE c.upto >= greatest(1, ceil(w.q * c.total::double precision))
        ORDER BY c.service, c.type, c.name, w.i, c.grp
    ), wanted_groups AS (
        SELECT DISTINCT w.service, w.type, w.name, w.grp FROM wanted w
    ), buckets AS (
        -- those groups' buckets only: a slice of each indexed row, the whole of the others
        SELECT s.service, s.type, s.name, wg.grp, y >> 40 AS bucket, sum(y & 1099511627775) AS c
        FROM src s JOIN wanted_groups wg ON wg.service = s.service AND wg.type = s.type AND wg.name = s.name,
             LATERAL (SELECT CASE WHEN s.x IS NULL THEN s.h
                                  WHEN wg.grp < s.x[1] OR wg.grp > s.x[1] + cardinality(s.x) - 2 THEN NULL
                                  ELSE s.h[(s.x[wg.grp - s.x[1] + 2] >> 48)
                                           : (s.x[wg.grp - s.x[1] + 2] >> 48) + ((s.x[wg.grp - s.x[1] + 2] >> 36) & 4095) - 1]
                             END AS part) p,
             unnest(p.part) AS y
        WHERE (y >> 47) = wg.grp
        GROUP BY 1, 2, 3, 4, 5
    ), ranked AS (
        SELECT b.*, sum(b.c) OVER (PARTITION BY b.service, b.type, b.name, b.grp ORDER BY b.bucket) AS upto FROM buckets b
    ), answers AS (
        SELECT DISTINCT ON (w.service, w.type, w.name, w.i) w.service, w.type, w.name, w.i, w.total, r.bucket
        FROM wanted w JOIN ranked r ON r.service = w.service AND r.type = w.type AND r.name = w.name AND r.grp = w.grp
        WHERE r.upto >= w.rank_in
        ORDER BY w.service, w.type, w.name, w.i, r.bucket
    )
    SELECT a.service, a.type, a.name, max(a.total)::bigint,
           array_agg(latency_bucket_upper_ns(a.bucket)::double precision / 1000000.0::double precision ORDER BY a.i)
    FROM answers a GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    $query$, source, CASE WHEN one_series THEN 'AND t.service = $3 AND t.type = $4 AND t.name = $5'
        ELSE 'AND ($3::text IS NULL OR t.service = $3) AND ($4::text IS NULL OR t.type = $4) AND ($5::text IS NULL OR t.name = $5)' END)
$fn$;

-- The arguments every quantile function checks.
CREATE FUNCTION vigil_check_quantiles_args(qs double precision[], from_ts timestamptz, to_ts timestamptz) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    q double precision;
BEGIN
    IF qs IS NULL OR cardinality(qs) = 0 THEN
        RAISE EXCEPTION 'latency quantiles: give at least one quantile, e.g. ARRAY[0.95]';
    END IF;
    FOREACH q IN ARRAY qs LOOP
        IF q IS NULL OR q < 0 OR q > 1 OR q = 'NaN'::double precision THEN
            RAISE EXCEPTION 'latency quantiles must be between 0 and 1, got %', q;
        END IF;
    END LOOP;
    IF from_ts IS NULL OR to_ts IS NULL THEN
        RAISE EXCEPTION 'latency quantiles: give the time range [from_ts, to_ts)';
    END IF;
END
$$;

-- Nearest-rank quantiles (the rule of latency_hist_quantiles) per series over [from_ts, to_ts) of a
-- source, planned per call. NULL p_service, p_type or p_name: every one. Series whose rows hold no
-- durations are not returned. Internal: the public forms are latency_quantiles_of and latency_quantiles
-- (it runs its source text with the caller's rights, like any query the caller could write).
CREATE OR REPLACE FUNCTION vigil_quantiles_through_index(source text, from_ts timestamptz, to_ts timestamptz,
                                              qs double precision[], p_service text, p_type text, p_name text,
                                              bounds timestamptz[] DEFAULT NULL)
RETURNS TABLE (service text, type text, name text, latency_count bigint, quantiles double precision[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM vigil_check_quantiles_args(qs, from_ts, to_ts);
    RETURN QUERY EXECUTE vigil_quantiles_query(source, false)
        USING from_ts, to_ts, p_service, p_type, p_name, qs, bounds;
END
$$;

-- One series' quantiles from one source, as static statements (plans cached per session): minute rows,
-- hourly rows, daily rows, and the tiles of latency_quantiles(). Generated from the one statement above;
-- their parameters are in the order of its placeholders.
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT * FROM (VALUES
        ('minutes', 'metric_windows'),
        ('hours', 'metric_windows_1h'),
        ('days', 'metric_windows_1d'),
        ('tiled', '(' || vigil_range_rows('metric_windows', 1) || ' UNION ALL ' || vigil_range_rows('metric_windows_1h', 2)
                  || ' UNION ALL ' || vigil_range_rows('metric_windows_1d', 3) || ' UNION ALL '
                  || vigil_range_rows('metric_windows_1h', 4) || ' UNION ALL ' || vigil_range_rows('metric_windows', 5) || ')')
    ) AS v(kind, source) LOOP
        EXECUTE format($create$
            CREATE FUNCTION %I(from_ts timestamptz, to_ts timestamptz, p_service text, p_type text, p_name text,
                               qs double precision[], bounds timestamptz[] DEFAULT NULL)
            RETURNS TABLE (service text, type text, name text, latency_count bigint, quantiles double precision[])
            LANGUAGE plpgsql STABLE AS $body$
            #variable_conflict use_column
            BEGIN
                PERFORM vigil_check_quantiles_args(qs, from_ts, to_ts);
                RETURN QUERY %s;
            END
            $body$ $create$, 'vigil_series_quantiles_' || f.kind, vigil_quantiles_query(f.source, true));
    END LOOP;
END
$$;

-- v10's functions: same arguments, same answers; a named series of the job's tables through the static forms.
CREATE OR REPLACE FUNCTION latency_quantiles_of(tbl regclass, from_ts timestamptz, to_ts timestamptz, qs double precision[],
                                                p_service text DEFAULT NULL, p_type text DEFAULT 'request', p_name text DEFAULT NULL)
RETURNS TABLE (service text, type text, name text, latency_count bigint, quantiles double precision[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_service IS NOT NULL AND p_type IS NOT NULL AND p_name IS NOT NULL THEN
        IF tbl = 'metric_windows'::regclass THEN
            RETURN QUERY SELECT * FROM vigil_series_quantiles_minutes(from_ts, to_ts, p_service, p_type, p_name, qs);
            RETURN;
        ELSIF tbl = 'metric_windows_1h'::regclass THEN
            RETURN QUERY SELECT * FROM vigil_series_quantiles_hours(from_ts, to_ts, p_service, p_type, p_name, qs);
            RETURN;
        ELSIF tbl = 'metric_windows_1d'::regclass THEN
            RETURN QUERY SELECT * FROM vigil_series_quantiles_days(from_ts, to_ts, p_service, p_type, p_name, qs);
            RETURN;
        END IF;
    END IF;
    RETURN QUERY SELECT * FROM vigil_quantiles_through_index(tbl::text, from_ts, to_ts, qs, p_service, p_type, p_name);
END
$$;

-- v10's latency_quantiles: the same tiles; a named series through the static form.
CREATE OR REPLACE FUNCTION latency_quantiles(from_ts timestamptz, to_ts timestamptz, qs double precision[],
                                  p_service text DEFAULT NULL, p_type text DEFAULT 'request', p_name text DEFAULT NULL)
RETURNS TABLE (service text, type text, name text, latency_count bigint, quantiles double precision[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    h0 timestamptz;  -- hourly rows from here (the first whole hour)
    h1 timestamptz;  -- to here (the end of the last whole hour the hourly rows hold)
    d0 timestamptz;  -- daily rows from here (the first whole day)
    d1 timestamptz;  -- to here (the end of the last whole day before h1 the daily rows hold)
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL THEN
        RAISE EXCEPTION 'latency_quantiles: give the time range [from_ts, to_ts)';
    END IF;
    h0 := vigil_utc_ceil('hour', from_ts);
    h1 := date_trunc('hour', to_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    IF h0 < h1 THEN
        h1 := vigil_rolled_up_through('metric_windows_1h', h0, h1, p_service, p_type, p_name);
    END IF;
    IF h0 >= h1 THEN
        h0 := to_ts;  -- no whole hour, or none rolled up: minute rows only
        h1 := to_ts;
    END IF;
    d0 := vigil_utc_ceil('day', h0);
    d1 := date_trunc('day', h1 AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    IF d0 < d1 THEN
        d1 := vigil_rolled_up_through('metric_windows_1d', d0, d1, p_service, p_type, p_name);
    END IF;
    IF d0 >= d1 THEN
        d0 := h0;  -- no whole day, or none rolled up: hourly rows between h0 and h1
        d1 := h0;
    END IF;
    -- [from, h0) minutes, [h0, d0) hours, [d0, d1) days, [d1, h1) hours, [h1, to) minutes
    IF p_service IS NOT NULL AND p_type IS NOT NULL AND p_name IS NOT NULL THEN
        RETURN QUERY SELECT * FROM vigil_series_quantiles_tiled(from_ts, to_ts, p_service, p_type, p_name, qs,
                                                                ARRAY[from_ts, h0, d0, d1, h1, to_ts]);
        RETURN;
    END IF;
    -- empty ones skipped
    RETURN QUERY SELECT * FROM vigil_quantiles_through_index(
        '(' || coalesce(nullif(array_to_string(ARRAY[
            CASE WHEN from_ts < h0 THEN vigil_range_rows('metric_windows', 1) END,
            CASE WHEN h0 < d0 THEN vigil_range_rows('metric_windows_1h', 2) END,
            CASE WHEN d0 < d1 THEN vigil_range_rows('metric_windows_1d', 3) END,
            CASE WHEN d1 < h1 THEN vigil_range_rows('metric_windows_1h', 4) END,
            CASE WHEN h1 < to_ts THEN vigil_range_rows('metric_windows', 5) END], ' UNION ALL '), ''),
                             vigil_range_rows('metric_windows', 1)) || ')',  -- an empty range: no rows
        from_ts, to_ts, qs, p_service, p_type, p_name, ARRAY[from_ts, h0, d0, d1, h1, to_ts]);
END
$$;

