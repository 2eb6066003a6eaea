-- Vigil schema v10: latency_quantiles(), which answers from the coarsest rows that tile the range, and
-- a faster first pass for latency_quantiles_of().
--
-- latency_quantiles(from, to, qs, service, type, name) gives what latency_quantiles_of('metric_windows',
-- ...) gives, but reads whole UTC days from metric_windows_1d, whole hours from metric_windows_1h and
-- only the edges from metric_windows: every rollup row is exactly the merge of its minute rows (the job
-- keeps them so), so the answer is the same from a few hundred rows instead of a hundred thousand. The
-- hours and days the job has not rolled up yet (a period's row is written when event time passes its
-- end) are read from the finer rows. Where retention has dropped the minute rows of an edge, that edge
-- is missing: ranges over old data are best aligned to hours or days.
--
-- Both functions run one query (vigil_quantiles_through_index) over a source: one table, or for
-- latency_quantiles() the union of the three tables' ranges. Its first pass now reads each row's index
-- with one unnest instead of a subscript per element: p95 of one series over 30 days of hourly rows
-- 55-58 -> 47-49 ms (docs/performance.md).

-- The rows of [bounds[k], bounds[k + 1]) of a table, for the source of vigil_quantiles_through_index.
CREATE FUNCTION vigil_range_rows(tbl text, k int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('SELECT service, type, name, window_start, latency_hist, latency_hist_index FROM %I '
                  'WHERE window_start >= $7[%s] AND window_start < $7[%s]', tbl, k, k + 1)
$$;

-- Nearest-rank quantiles (the rule of latency_hist_quantiles) per series over [from_ts, to_ts) of a
-- source (a table, or a parenthesised query whose rows have metric_windows' columns and may read the
-- instants $7), in two passes: the first adds up the index (a few numbers a row) per series and group,
-- which names the group holding each quantile's rank and the rank within it; the second merges only
-- those groups' buckets. NULL p_service, p_type or p_name: every one. Series whose rows hold no
-- durations are not returned. Internal: the public forms are latency_quantiles_of and latency_quantiles
-- (it runs its source text with the caller's rights, like any query the caller could write).
CREATE FUNCTION vigil_quantiles_through_index(source text, from_ts timestamptz, to_ts timestamptz,
                                              qs double precision[], p_service text, p_type text, p_name text,
                                              bounds timestamptz[] DEFAULT NULL)
RETURNS TABLE (service text, type text, name text, latency_count bigint, quantiles double precision[])
LANGUAGE plpgsql STABLE AS $$
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
    RETURN QUERY EXECUTE format($query$
    WITH src AS NOT MATERIALIZED (
        SELECT t.service, t.type, t.name, t.latency_hist AS h, t.latency_hist_index AS x FROM %s t
        WHERE t.window_start >= $1 AND t.window_start < $2 AND t.latency_hist IS NOT NULL
          AND ($3::text IS NULL OR t.service = $3) AND ($4::text IS NULL OR t.type = $4) AND ($5::text IS NULL OR t.name = $5)
    ), indexes AS NOT MATERIALIZED (
        -- The indexes, projected (x[1] makes the projection real, OFFSET 0 keeps it): the join below
        -- then repeats these columns, not whole heap tuples that hold inline-compressed histograms of
        -- 2 kB (720 hourly rows: 5 instead of 23 ms).
        SELECT s.service, s.type, s.name, s.x, s.x[1] AS lo FROM src s WHERE s.x IS NOT NULL OFFSET 0
    ), per_group AS (
        -- indexed rows: one number per group
        -- (unnest, not a subscript per element: each x[i] copies the array out of its short on-disk
        -- header; 720 hourly rows: 15 ms against 5.5 ms)
        SELECT s.service, s.type, s.name, s.lo + e.i - 2 AS grp, sum(e.v & 68719476735) AS c
        FROM indexes s, unnest(s.x) WITH ORDINALITY AS e(v, i) WHERE e.i > 1 GROUP BY 1, 2, 3, 4
        UNION ALL
        -- rows without an index: every bucket
        SELECT s.service, s.type, s.name, y >> 47, sum(y & 1099511627775)
        FROM src s, unnest(s.h) AS y WHERE s.x IS NULL GROUP BY 1, 2, 3, 4
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
    $query$, source) USING from_ts, to_ts, p_service, p_type, p_name, qs, bounds;
END
$$;

-- v9's function, now over vigil_quantiles_through_index: same arguments, same answers.
CREATE OR REPLACE FUNCTION latency_quantiles_of(tbl regclass, from_ts timestamptz, to_ts timestamptz, qs double precision[],
                                                p_service text DEFAULT NULL, p_type text DEFAULT 'request', p_name text DEFAULT NULL)
RETURNS TABLE (service text, type text, name text, latency_count bigint, quantiles double precision[])
LANGUAGE sql STABLE AS $$
    SELECT * FROM vigil_quantiles_through_index(tbl::text, from_ts, to_ts, qs, p_service, p_type, p_name)
$$;

-- How far a rollup table holds the rows of [from_ts, to_ts) for the series selected (NULL: any): the end
-- of its last period there, at most to_ts; from_ts if it holds none. The job writes a period's row when
-- event time passes the period's end, so the last hour (or day) may not be there yet; the rows before it
-- are. The last two days of the range are looked at first, the rest only if they hold nothing.
CREATE FUNCTION vigil_rolled_up_through(tbl text, from_ts timestamptz, to_ts timestamptz,
                                        p_service text, p_type text, p_name text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    probe timestamptz := greatest(from_ts, to_ts - interval '2 days');
    q text := format('SELECT max(window_end) FROM %I WHERE window_start >= $1 AND window_start < $2 '
                     'AND ($3::text IS NULL OR service = $3) AND ($4::text IS NULL OR type = $4) '
                     'AND ($5::text IS NULL OR name = $5)', tbl);
    through timestamptz;
BEGIN
    EXECUTE q INTO through USING probe, to_ts, p_service, p_type, p_name;
    IF through IS NULL AND probe > from_ts THEN
        EXECUTE q INTO through USING from_ts, probe, p_service, p_type, p_name;
    END IF;
    RETURN least(greatest(coalesce(through, from_ts), from_ts), to_ts);
END
$$;

-- The first UTC hour or day (unit) that starts at or after ts.
CREATE FUNCTION vigil_utc_ceil(unit text, ts timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN t < ts THEN t + ('1 ' || unit)::interval ELSE t END
    FROM (SELECT date_trunc(unit, ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS t) truncated
$$;

-- Quantiles of metric_windows over [from_ts, to_ts), read from the coarsest rows that tile it: whole UTC
-- days from metric_windows_1d, the whole hours around them from metric_windows_1h, the minutes of the
-- edges from metric_windows; each rollup only as far as the job has written it (the rest from the finer
-- rows). A range shorter than an hour, or within one, reads minute rows only.
CREATE FUNCTION latency_quantiles(from_ts timestamptz, to_ts timestamptz, qs double precision[],
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
    -- [from, h0) minutes, [h0, d0) hours, [d0, d1) days, [d1, h1) hours, [h1, to) minutes; empty ones skipped
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

COMMENT ON FUNCTION latency_quantiles(timestamptz, timestamptz, double precision[], text, text, text) IS
    'Nearest-rank latency quantiles (ms) per series over [from_ts, to_ts), the same as latency_quantiles_of(''metric_windows'', ...), read from daily rows for whole UTC days, hourly rows for whole hours and minute rows for the edges: e.g. latency_quantiles(now() - interval ''30 days'', now(), ARRAY[0.5, 0.95, 0.99], ''shop'', ''request'', ''*'').';
