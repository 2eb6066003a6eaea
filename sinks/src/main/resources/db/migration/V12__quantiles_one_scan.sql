-- Vigil schema v12: latency_quantiles_of() and latency_quantiles() read each row once in their first
-- pass.
--
-- The first pass summed indexed rows and rows without an index (written before v9, or by hand) in two
-- branches of a UNION ALL, each with its own scan of the range: the second scan found nothing where every
-- row is indexed, but still visited each row's heap page (a day of one series' minute rows: 1,440 pages,
-- about 1.7 ms). Now one scan feeds both: an indexed row gives its index numbers, a row without one its
-- buckets. Same answers. pgbench on `vigil bench sql`'s data, five rounds of 4 s each, v11 against v12:
-- p95 of one series over a day of minute rows 17.4-29.6 ms -> 15.9-19.3 ms (medians 25.3 -> 17.8); over
-- 30 days of hourly rows 47.0-73.8 -> 43.4-59.2 ms (medians 48.6 -> 44.5) (docs/performance.md).

CREATE OR REPLACE FUNCTION vigil_quantiles_through_index(source text, from_ts timestamptz, to_ts timestamptz,
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
    $query$, source) USING from_ts, to_ts, p_service, p_type, p_name, qs, bounds;
END
$$;

