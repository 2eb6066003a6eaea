-- Vigil schema v9: quantiles over many rows that read a fraction of their buckets.
--
-- Merging histograms costs per bucket: a p95 over 30 days of one series' hourly rows merges about
-- 430,000 buckets. latency_hist_index summarises each row's histogram by group of 128 buckets (one
-- power of two of values): where the group starts in latency_hist, how many numbers it takes, how many
-- durations it holds. latency_quantiles_of() adds up those few numbers per row to find the group that
-- holds each quantile's rank, then merges only that group's buckets: the same answer as
-- latency_hist_quantiles(latency_merge(latency_hist), qs), from about a fifth of the buckets.
--
-- The job writes the index with every row (PackedHistogram.index in Java). Rows without one (written
-- before v9, or by hand) are read whole, which gives the same answer more slowly; they can be indexed
-- with UPDATE ... SET latency_hist_index = latency_hist_index_of(latency_hist). An UPDATE that changes
-- latency_hist without setting latency_hist_index clears the index (trigger), so a stale one is never read.

ALTER TABLE metric_windows ADD COLUMN latency_hist_index bigint[];
ALTER TABLE metric_windows_1h ADD COLUMN latency_hist_index bigint[];
ALTER TABLE metric_windows_1d ADD COLUMN latency_hist_index bigint[];

COMMENT ON COLUMN metric_windows.latency_hist_index IS
    'Index of latency_hist by group of 128 buckets: element 1 is the lowest group lo; element 2 + g - lo is start * 2^48 + length * 2^36 + count of group g (start 1-based, 0 for an empty group). NULL: read latency_hist whole.';

-- The index of a histogram, as the job computes it (NULL where a field would not fit: more than 32,767
-- numbers, a group of more than 4,095 numbers or 2^36 - 1 durations).
CREATE FUNCTION latency_hist_index_of(hist bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH elements AS (
        SELECT x, i FROM unnest(hist) WITH ORDINALITY AS t(x, i)
    ), groups AS (
        SELECT x >> 47 AS grp, min(i) AS start, count(*) AS len, sum(x & 1099511627775)::bigint AS c
        FROM elements GROUP BY 1
    ), bounds AS (
        SELECT min(grp) AS lo, max(grp) AS hi, bool_and(len <= 4095 AND c <= 68719476735) AS fits FROM groups
    )
    SELECT CASE WHEN b.lo IS NULL OR NOT b.fits OR cardinality(hist) > 32767 THEN NULL
                ELSE array_prepend(b.lo, (SELECT array_agg(coalesce((g.start << 48) | (g.len << 36) | g.c, 0) ORDER BY s)
                                          FROM generate_series(b.lo, b.hi) AS s LEFT JOIN groups g ON g.grp = s))
           END
    FROM bounds b
$$;

-- vigil_rollup_rows (v4) returns rows of metric_windows, which now end with the index.
CREATE OR REPLACE FUNCTION vigil_rollup_rows(source regclass, unit text, from_ts timestamptz, to_ts timestamptz)
RETURNS SETOF metric_windows
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF unit NOT IN ('hour', 'day') THEN
        RAISE EXCEPTION 'vigil_rollup_rows: unit must be hour or day, got %', unit;
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT type, service, name, period, period + interval '1 %s', count, errors,
               CASE WHEN count = 0 THEN 0.0::double precision ELSE errors::double precision / count::double precision END,
               hits, misses,
               CASE WHEN coalesce(hits + misses, 0) = 0 THEN NULL
                    ELSE hits::double precision / (hits + misses)::double precision END,
               min_ms, mean_ms,
               greatest(min_ms, least(max_ms, q[1])), greatest(min_ms, least(max_ms, q[2])),
               greatest(min_ms, least(max_ms, q[3])), greatest(min_ms, least(max_ms, q[4])),
               greatest(min_ms, least(max_ms, q[5])), max_ms, merged, now(), latency_hist_index_of(merged)
        FROM (
            SELECT *, latency_hist_quantiles(merged, ARRAY[0.5, 0.9, 0.95, 0.99, 0.999]) AS q
            FROM (
                SELECT type, service, name, date_trunc('%s', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period,
                       sum(count)::bigint AS count, sum(errors)::bigint AS errors,
                       sum(hits)::bigint AS hits, sum(misses)::bigint AS misses,
                       min(min_ms) AS min_ms, max(max_ms) AS max_ms,
                       sum(mean_ms * latency_hist_count(latency_hist))
                           / nullif(sum(latency_hist_count(latency_hist)) FILTER (WHERE mean_ms IS NOT NULL), 0) AS mean_ms,
                       latency_merge(latency_hist) AS merged
                FROM %s
                WHERE window_start >= $1 AND window_start < $2
                GROUP BY 1, 2, 3, 4
            ) grouped
        ) with_quantiles
        $q$, unit, unit, source)
    USING from_ts, to_ts;
END
$$;

-- An UPDATE of latency_hist that leaves latency_hist_index as it was (a writer that does not know the
-- index) clears it: readers then read the histogram whole instead of trusting a stale index.
CREATE FUNCTION vigil_clear_stale_hist_index() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.latency_hist_index := NULL;
    RETURN NEW;
END
$$;

CREATE TRIGGER latency_hist_index_stale BEFORE UPDATE OF latency_hist ON metric_windows FOR EACH ROW
    WHEN (NEW.latency_hist IS DISTINCT FROM OLD.latency_hist AND NEW.latency_hist_index IS NOT DISTINCT FROM OLD.latency_hist_index)
    EXECUTE FUNCTION vigil_clear_stale_hist_index();
CREATE TRIGGER latency_hist_index_stale BEFORE UPDATE OF latency_hist ON metric_windows_1h FOR EACH ROW
    WHEN (NEW.latency_hist IS DISTINCT FROM OLD.latency_hist AND NEW.latency_hist_index IS NOT DISTINCT FROM OLD.latency_hist_index)
    EXECUTE FUNCTION vigil_clear_stale_hist_index();
CREATE TRIGGER latency_hist_index_stale BEFORE UPDATE OF latency_hist ON metric_windows_1d FOR EACH ROW
    WHEN (NEW.latency_hist IS DISTINCT FROM OLD.latency_hist AND NEW.latency_hist_index IS NOT DISTINCT FROM OLD.latency_hist_index)
    EXECUTE FUNCTION vigil_clear_stale_hist_index();

-- Nearest-rank quantiles (the rule of latency_hist_quantiles) per series of one Vigil table over
-- [from_ts, to_ts), in two passes over the selected rows: the first adds up the index (a few numbers a
-- row) per series and group, which names the group holding each quantile's rank and the rank within
-- it; the second merges only those groups' buckets. NULL p_service, p_type or p_name: every one.
-- Series whose rows hold no durations are not returned. Best for one series or a few: for every series
-- of a large table, latency_merge() lets PostgreSQL aggregate in parallel.
CREATE FUNCTION latency_quantiles_of(tbl regclass, from_ts timestamptz, to_ts timestamptz, qs double precision[],
                                     p_service text DEFAULT NULL, p_type text DEFAULT 'request', p_name text DEFAULT NULL)
RETURNS TABLE (service text, type text, name text, latency_count bigint, quantiles double precision[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    q double precision;
BEGIN
    IF qs IS NULL OR cardinality(qs) = 0 THEN
        RAISE EXCEPTION 'latency_quantiles_of: give at least one quantile, e.g. ARRAY[0.95]';
    END IF;
    FOREACH q IN ARRAY qs LOOP
        IF q IS NULL OR q < 0 OR q > 1 OR q = 'NaN'::double precision THEN
            RAISE EXCEPTION 'latency quantiles must be between 0 and 1, got %', q;
        END IF;
    END LOOP;
    IF from_ts IS NULL OR to_ts IS NULL THEN
        RAISE EXCEPTION 'latency_quantiles_of: give the time range [from_ts, to_ts)';
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
        SELECT s.service, s.type, s.name, s.lo + i - 2 AS grp, sum(s.x[i] & 68719476735) AS c
        FROM indexes s, generate_subscripts(s.x, 1) AS i WHERE i > 1 GROUP BY 1, 2, 3, 4
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
    $query$, tbl) USING from_ts, to_ts, p_service, p_type, p_name, qs;
END
$$;

COMMENT ON FUNCTION latency_quantiles_of(regclass, timestamptz, timestamptz, double precision[], text, text, text) IS
    'Nearest-rank latency quantiles (ms) per series of metric_windows, metric_windows_1h or metric_windows_1d over [from_ts, to_ts), read through latency_hist_index: e.g. latency_quantiles_of(''metric_windows_1h'', now() - interval ''30 days'', now(), ARRAY[0.95], ''shop'', ''request'', ''GET /items/{id}'').';
