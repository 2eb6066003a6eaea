-- Vigil schema v13: a finer index for the rollups, so a quantile over many hourly rows reads an eighth of
-- the buckets it read.
--
-- The quantile functions add up latency_hist_index (one number per group of 128 buckets) to find the group
-- that holds a rank, then merge that group's buckets. An hourly row's histogram is wide (about 600 buckets
-- for a busy route), and the group that holds a p95 is nearly full: over 30 days of hourly rows the second
-- pass took apart 87,006 buckets, and that was most of the time. latency_hist_subindex cuts each group into
-- eight parts of 16 buckets, in the index's form; the hourly and daily rows carry it (the job writes it,
-- PackedHistogram.subIndex), minute rows leave it NULL (a minute's histogram is narrow, 75 buckets on
-- average over three or four groups: its sub-index, 25-33 numbers, would add about a quarter to the 907
-- bytes of a minute row, to save a pass over few buckets). A quantile over the rollups now runs three passes: the
-- index names the group, the sub-index (eight numbers a row of that group) the part, and only that part's
-- buckets are merged. Same answers; a range that holds rollup rows without a sub-index (written before
-- v13, or by hand) is read with v12's two passes, as fast as before. Such rows can be given one with
-- UPDATE metric_windows_1h SET latency_hist_subindex = latency_hist_subindex_of(latency_hist).
--
-- Measured on `vigil bench sql`'s data (docs/performance.md): p95 of one series over 30 days of hourly
-- rows, the same prepared statement alternating with v12's, median of 12: 43 ms (v12) -> 24 ms.

ALTER TABLE metric_windows ADD COLUMN latency_hist_subindex bigint[];
ALTER TABLE metric_windows_1h ADD COLUMN latency_hist_subindex bigint[];
ALTER TABLE metric_windows_1d ADD COLUMN latency_hist_subindex bigint[];

-- Stored as it is, never compressed: a compressed array is decompressed again for every subscript
-- (an hourly row's 66 numbers compress to about 340 bytes; read compressed, the quantile took 48-58 ms
-- instead of 24). At most eight numbers per group of the histogram, 4 kB for one that spans every power of
-- two; the histogram itself can still move out of line, so a row always fits its page.
ALTER TABLE metric_windows ALTER COLUMN latency_hist_subindex SET STORAGE PLAIN;
ALTER TABLE metric_windows_1h ALTER COLUMN latency_hist_subindex SET STORAGE PLAIN;
ALTER TABLE metric_windows_1d ALTER COLUMN latency_hist_subindex SET STORAGE PLAIN;

COMMENT ON COLUMN metric_windows_1h.latency_hist_subindex IS
    'Index of latency_hist by part of 16 buckets, eight parts to each group of latency_hist_index: element 1 is the lowest group lo; element 2 + 8 * (g - lo) + p is start * 2^48 + length * 2^36 + count of part p of group g (start 1-based, 0 for an empty part). NULL: read through latency_hist_index.';
COMMENT ON COLUMN metric_windows_1d.latency_hist_subindex IS
    'Index of latency_hist by part of 16 buckets, eight parts to each group of latency_hist_index: element 1 is the lowest group lo; element 2 + 8 * (g - lo) + p is start * 2^48 + length * 2^36 + count of part p of group g (start 1-based, 0 for an empty part). NULL: read through latency_hist_index.';
COMMENT ON COLUMN metric_windows.latency_hist_subindex IS
    'NULL in minute rows (see metric_windows_1h.latency_hist_subindex).';

-- The sub-index of a histogram, as the job computes it (NULL where a field would not fit, as for the index).
CREATE FUNCTION latency_hist_subindex_of(hist bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH elements AS (
        SELECT x, i FROM unnest(hist) WITH ORDINALITY AS t(x, i)
    ), parts AS (
        SELECT x >> 44 AS part, min(i) AS start, count(*) AS len, sum(x & 1099511627775)::bigint AS c
        FROM elements GROUP BY 1
    ), bounds AS (
        SELECT min(part) >> 3 AS lo, max(part) >> 3 AS hi, bool_and(len <= 4095 AND c <= 68719476735) AS fits FROM parts
    )
    SELECT CASE WHEN b.lo IS NULL OR NOT b.fits OR cardinality(hist) > 32767 THEN NULL
                ELSE array_prepend(b.lo, (SELECT array_agg(coalesce((p.start << 48) | (p.len << 36) | p.c, 0) ORDER BY s)
                                          FROM generate_series(b.lo * 8, b.hi * 8 + 7) AS s LEFT JOIN parts p ON p.part = s))
           END
    FROM bounds b
$$;

-- An UPDATE of latency_hist that leaves latency_hist_subindex as it was clears it, as v9 does for the index.
CREATE FUNCTION vigil_clear_stale_hist_subindex() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.latency_hist_subindex := NULL;
    RETURN NEW;
END
$$;

CREATE TRIGGER latency_hist_subindex_stale BEFORE UPDATE OF latency_hist ON metric_windows_1h FOR EACH ROW
    WHEN (NEW.latency_hist IS DISTINCT FROM OLD.latency_hist AND NEW.latency_hist_subindex IS NOT DISTINCT FROM OLD.latency_hist_subindex)
    EXECUTE FUNCTION vigil_clear_stale_hist_subindex();
CREATE TRIGGER latency_hist_subindex_stale BEFORE UPDATE OF latency_hist ON metric_windows_1d FOR EACH ROW
    WHEN (NEW.latency_hist IS DISTINCT FROM OLD.latency_hist AND NEW.latency_hist_subindex IS NOT DISTINCT FROM OLD.latency_hist_subindex)
    EXECUTE FUNCTION vigil_clear_stale_hist_subindex();

-- Partitions created from now on store the sub-index as their parents do (v11's function, one line added).
CREATE OR REPLACE FUNCTION vigil_ensure_partition(parent text, ts timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    p record;
    default_part text := parent || '_default';
    stray boolean;
BEGIN
    SELECT * INTO p FROM vigil_partition_of(parent, ts);
    IF to_regclass(p.partition_name) IS NOT NULL THEN
        RETURN p.partition_name;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('vigil_partitions'));
    IF EXISTS (SELECT 1 FROM pg_class c
               WHERE c.relname = p.partition_name
                 AND c.relnamespace = (SELECT r.relnamespace FROM pg_class r WHERE r.oid = parent::regclass)) THEN
        RETURN p.partition_name;
    END IF;
    BEGIN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE window_start >= %L AND window_start < %L)',
                       default_part, p.lower_bound, p.upper_bound) INTO stray;
        IF NOT stray THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                           p.partition_name, parent, p.lower_bound, p.upper_bound);
        ELSE
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', p.partition_name, parent);
            EXECUTE format('WITH moved AS (DELETE FROM %I WHERE window_start >= %L AND window_start < %L RETURNING *) '
                           'INSERT INTO %I SELECT * FROM moved',
                           default_part, p.lower_bound, p.upper_bound, p.partition_name);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           parent, p.partition_name, p.lower_bound, p.upper_bound);
        END IF;
        EXECUTE format('ALTER TABLE %I ALTER COLUMN latency_hist SET STORAGE MAIN', p.partition_name);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN latency_hist_subindex SET STORAGE PLAIN', p.partition_name);
    EXCEPTION WHEN duplicate_table THEN
        NULL; -- created by a writer this caller's snapshot could not see yet: there it is
    END;
    RETURN p.partition_name;
END
$$;

-- vigil_rollup_rows (v9) returns rows of metric_windows, which now end with the sub-index.
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
               greatest(min_ms, least(max_ms, q[5])), max_ms, merged, now(), latency_hist_index_of(merged),
               latency_hist_subindex_of(merged)
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

-- The tiles of latency_quantiles() bring their sub-indexes (NULL in the minute rows).
CREATE OR REPLACE FUNCTION vigil_range_rows(tbl text, k int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('SELECT service, type, name, window_start, latency_hist, latency_hist_index, latency_hist_subindex FROM %I '
                  'WHERE window_start >= $7[%s] AND window_start < $7[%s]', tbl, k, k + 1)
$$;

-- v12's statement, for a source whose rows have sub-indexes (sub_indexed: the rollups, the tiles) or not
-- (minute rows; any other table with metric_windows' columns as they were before v13). Placeholders as in
-- v12: $1, $2 the range [from, to), $3-$5 service, type, name, $6 the quantiles, $7 the bounds of a tiled
-- source. Pass 1 adds up the index per series and group, which names the group holding each quantile's
-- rank and the rank within it (wanted). Without sub-indexes the target of each quantile is that group;
-- with them, pass 2 adds up the group's eight sub-index numbers per row, which name the part (of 16
-- buckets) holding the rank. The last pass merges only the targets' buckets: a slice of each row through
-- its sub-index, else its index, else (a row with neither) the whole histogram.
CREATE FUNCTION vigil_quantiles_query(source text, one_series boolean, sub_indexed boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT format($query$
    WITH src AS NOT MATERIALIZED (
        SELECT t.service, t.type, t.name, t.latency_hist AS h, t.latency_hist_index AS x, %1$s AS z FROM %2$s t
        WHERE t.window_start >= $1 AND t.window_start < $2 AND t.latency_hist IS NOT NULL
          %3$s
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
    ), %4$s, %5$s
    SELECT a.service, a.type, a.name, max(a.total)::bigint,
           array_agg(latency_bucket_upper_ns(a.bucket)::double precision / 1000000.0::double precision ORDER BY a.i)
    FROM answers a GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    $query$,
    CASE WHEN sub_indexed THEN 't.latency_hist_subindex' ELSE 'NULL::bigint[]' END,
    source,
    CASE WHEN one_series THEN 'AND t.service = $3 AND t.type = $4 AND t.name = $5'
         ELSE 'AND ($3::text IS NULL OR t.service = $3) AND ($4::text IS NULL OR t.type = $4) AND ($5::text IS NULL OR t.name = $5)' END,
    CASE WHEN NOT sub_indexed THEN $targets$
      targets AS (
        -- the target of a quantile: its group (grp = bucket >> 7)
        SELECT w.service, w.type, w.name, w.i, w.total, w.grp AS target, w.rank_in FROM wanted w
    )$targets$ ELSE $targets$
      wanted_groups AS (
        SELECT DISTINCT w.service, w.type, w.name, w.grp FROM wanted w
    ), sub_indexes AS NOT MATERIALIZED (
        -- a row without a sub-index brings its histogram (hw) and its index. Not fenced off like the indexes:
        -- joined to few wanted groups, the planner then looks each series' rows up by key
        SELECT s.service, s.type, s.name, s.z, s.z[1] AS lo, CASE WHEN s.z IS NULL THEN s.h END AS hw, s.x
        FROM src s
    ), per_part AS (
        -- pass 2: the eight numbers of each wanted group per row (part = bucket >> 4), or the group's buckets
        -- of a row without a sub-index
        SELECT s.service, s.type, s.name, wg.grp, g.part, sum(g.c) AS c
        FROM sub_indexes s JOIN wanted_groups wg ON wg.service = s.service AND wg.type = s.type AND wg.name = s.name,
             LATERAL (
            SELECT wg.grp * 8 + e.i - 1 AS part, e.v & 68719476735 AS c
            FROM unnest(CASE WHEN wg.grp >= s.lo THEN s.z[(wg.grp - s.lo) * 8 + 2 : (wg.grp - s.lo) * 8 + 9] END)
                 WITH ORDINALITY AS e(v, i)
            UNION ALL
            SELECT y >> 44, y & 1099511627775
            FROM unnest(CASE WHEN s.x IS NULL THEN s.hw
                             WHEN wg.grp >= s.x[1] AND wg.grp <= s.x[1] + cardinality(s.x) - 2
                             THEN s.hw[(s.x[wg.grp - s.x[1] + 2] >> 48)
                                       : (s.x[wg.grp - s.x[1] + 2] >> 48) + ((s.x[wg.grp - s.x[1] + 2] >> 36) & 4095) - 1]
                        END) AS y
            WHERE (y >> 47) = wg.grp
        ) g
        GROUP BY 1, 2, 3, 4, 5
    ), part_cum AS (
        SELECT p.*, sum(p.c) OVER (PARTITION BY p.service, p.type, p.name, p.grp ORDER BY p.part) AS upto FROM per_part p
    ), targets AS (
        -- the target of a quantile: the part of its group that holds its rank, and the rank within the part
        SELECT DISTINCT ON (w.service, w.type, w.name, w.i) w.service, w.type, w.name, w.i, w.total, c.part AS target,
               w.rank_in - (c.upto - c.c) AS rank_in
        FROM wanted w JOIN part_cum c ON c.service = w.service AND c.type = w.type AND c.name = w.name AND c.grp = w.grp
        WHERE c.upto >= w.rank_in
        ORDER BY w.service, w.type, w.name, w.i, c.part
    )$targets$ END,
    CASE WHEN NOT sub_indexed THEN $last$
      wanted_targets AS (
        SELECT DISTINCT t.service, t.type, t.name, t.target FROM targets t
    ), buckets AS (
        -- v12's last pass: those groups' buckets only, a slice of each indexed row, the whole of the others
        SELECT s.service, s.type, s.name, wt.target, y >> 40 AS bucket, sum(y & 1099511627775) AS c
        FROM src s JOIN wanted_targets wt ON wt.service = s.service AND wt.type = s.type AND wt.name = s.name,
             LATERAL (SELECT CASE WHEN s.x IS NULL THEN s.h
                                  WHEN wt.target < s.x[1] OR wt.target > s.x[1] + cardinality(s.x) - 2 THEN NULL
                                  ELSE s.h[(s.x[wt.target - s.x[1] + 2] >> 48)
                                           : (s.x[wt.target - s.x[1] + 2] >> 48) + ((s.x[wt.target - s.x[1] + 2] >> 36) & 4095) - 1]
                             END AS part) p,
             unnest(p.part) AS y
        WHERE (y >> 47) = wt.target
        GROUP BY 1, 2, 3, 4, 5
    ), ranked AS (
        SELECT b.*, sum(b.c) OVER (PARTITION BY b.service, b.type, b.name, b.target ORDER BY b.bucket) AS upto FROM buckets b
    ), answers AS (
        SELECT DISTINCT ON (t.service, t.type, t.name, t.i) t.service, t.type, t.name, t.i, t.total, r.bucket
        FROM targets t JOIN ranked r ON r.service = t.service AND r.type = t.type AND r.name = t.name AND r.target = t.target
        WHERE r.upto >= t.rank_in
        ORDER BY t.service, t.type, t.name, t.i, r.bucket
    )$last$ ELSE $last$
      buckets AS (
        -- the last pass, per quantile: the buckets of its part, a slice of each row through its sub-index,
        -- else its index (k.e: the entry), else (a row with neither) the whole histogram. Per quantile, not
        -- per distinct part: the planner cannot foresee how few rows the targets are, and joined back to them
        -- after the window below it ran the window once per target (the fleet's day: 1 s instead of 0.1 s).
        -- Two quantiles rarely share a part of 16 buckets.
        SELECT s.service, s.type, s.name, t.i, t.total, t.rank_in, y >> 40 AS bucket, sum(y & 1099511627775) AS c
        FROM src s JOIN targets t ON t.service = s.service AND t.type = s.type AND t.name = s.name,
             LATERAL (SELECT CASE WHEN s.z IS NOT NULL THEN
                                      CASE WHEN t.target >= s.z[1] * 8 AND t.target < s.z[1] * 8 + cardinality(s.z) - 1
                                           THEN s.z[t.target - s.z[1] * 8 + 2] END
                                  WHEN s.x IS NOT NULL AND (t.target >> 3) >= s.x[1] AND (t.target >> 3) <= s.x[1] + cardinality(s.x) - 2
                                  THEN s.x[(t.target >> 3) - s.x[1] + 2] END AS e) k,
             LATERAL (SELECT CASE WHEN k.e IS NOT NULL THEN s.h[(k.e >> 48) : (k.e >> 48) + ((k.e >> 36) & 4095) - 1]
                                  WHEN s.x IS NULL AND s.z IS NULL THEN s.h END AS part) p,
             unnest(p.part) AS y
        WHERE (y >> 44) = t.target
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ), ranked AS (
        SELECT b.*, sum(b.c) OVER (PARTITION BY b.service, b.type, b.name, b.i ORDER BY b.bucket) AS upto FROM buckets b
    ), answers AS (
        SELECT DISTINCT ON (r.service, r.type, r.name, r.i) r.service, r.type, r.name, r.i, r.total, r.bucket
        FROM ranked r WHERE r.upto >= r.rank_in
        ORDER BY r.service, r.type, r.name, r.i, r.bucket
    )$last$ END)
$fn$;

-- Whether rollup rows of a range hold a histogram without a sub-index (written before v13, or by hand): the
-- quantile functions then run v12's two passes over them, because three passes take such a row's group
-- apart twice (720 hourly rows without sub-indexes: 90 ms, against 45 ms for two passes and 33 ms for
-- three passes over rows with them). The check reads the range's rows once more, without their histograms
-- (about a millisecond for 720 rows). source as for vigil_quantiles_query (its rows may read $7).
CREATE FUNCTION vigil_rollups_lack_subindex(source text, from_ts timestamptz, to_ts timestamptz,
                                            p_service text, p_type text, p_name text, bounds timestamptz[] DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    lacks boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s t WHERE t.window_start >= $1 AND t.window_start < $2 '
                   'AND t.latency_hist IS NOT NULL AND t.latency_hist_subindex IS NULL AND ($3::text IS NULL OR t.service = $3) '
                   'AND ($4::text IS NULL OR t.type = $4) AND ($5::text IS NULL OR t.name = $5) AND $6 IS NULL)', source)
        INTO lacks USING from_ts, to_ts, p_service, p_type, p_name, NULL::double precision[], bounds;
    RETURN lacks;
END
$$;

-- v12's per-call form, with the choice of statement: sub_indexed for the rollups and the tiles.
DROP FUNCTION vigil_quantiles_through_index(text, timestamptz, timestamptz, double precision[], text, text, text, timestamptz[]);
DROP FUNCTION vigil_quantiles_query(text, boolean);
CREATE FUNCTION vigil_quantiles_through_index(source text, from_ts timestamptz, to_ts timestamptz,
                                              qs double precision[], p_service text, p_type text, p_name text,
                                              bounds timestamptz[] DEFAULT NULL, sub_indexed boolean DEFAULT false)
RETURNS TABLE (service text, type text, name text, latency_count bigint, quantiles double precision[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM vigil_check_quantiles_args(qs, from_ts, to_ts);
    RETURN QUERY EXECUTE vigil_quantiles_query(source, false, sub_indexed)
        USING from_ts, to_ts, p_service, p_type, p_name, qs, bounds;
END
$$;

-- v12's static statements for one series, generated again: three passes for the rollups and the tiles
-- whose rollup rows all have sub-indexes, v12's two passes otherwise.
DO $$
DECLARE
    f record;
    body text;
    -- the tiles of latency_quantiles() that are rollup rows: hours, days, hours
    tile_rollups text := vigil_range_rows('metric_windows_1h', 2) || ' UNION ALL ' || vigil_range_rows('metric_windows_1d', 3)
                         || ' UNION ALL ' || vigil_range_rows('metric_windows_1h', 4);
BEGIN
    FOR f IN SELECT * FROM (VALUES
        ('minutes', 'metric_windows', NULL),
        ('hours', 'metric_windows_1h', 'metric_windows_1h'),
        ('days', 'metric_windows_1d', 'metric_windows_1d'),
        ('tiled', '(' || vigil_range_rows('metric_windows', 1) || ' UNION ALL ' || tile_rollups || ' UNION ALL '
                  || vigil_range_rows('metric_windows', 5) || ')', '(' || tile_rollups || ')')
    ) AS v(kind, source, rollups) LOOP
        IF f.rollups IS NULL THEN
            body := format('RETURN QUERY %s;', vigil_quantiles_query(f.source, true, false));
        ELSE
            body := format($choose$
                IF EXISTS (SELECT 1 FROM %s t WHERE t.window_start >= $1 AND t.window_start < $2 AND t.service = $3
                           AND t.type = $4 AND t.name = $5 AND t.latency_hist IS NOT NULL AND t.latency_hist_subindex IS NULL) THEN
                    RETURN QUERY %s;
                ELSE
                    RETURN QUERY %s;
                END IF;$choose$, f.rollups, vigil_quantiles_query(f.source, true, false), vigil_quantiles_query(f.source, true, true));
        END IF;
        EXECUTE format($create$
            CREATE OR REPLACE FUNCTION %I(from_ts timestamptz, to_ts timestamptz, p_service text, p_type text, p_name text,
                               qs double precision[], bounds timestamptz[] DEFAULT NULL)
            RETURNS TABLE (service text, type text, name text, latency_count bigint, quantiles double precision[])
            LANGUAGE plpgsql STABLE AS $body$
            #variable_conflict use_column
            BEGIN
                PERFORM vigil_check_quantiles_args(qs, from_ts, to_ts);
                %s
            END
            $body$ $create$, 'vigil_series_quantiles_' || f.kind, body);
    END LOOP;
END
$$;

-- v12's functions: same arguments, same answers; the rollups and the tiles through three passes where their
-- rollup rows all have sub-indexes.
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
    RETURN QUERY SELECT * FROM vigil_quantiles_through_index(tbl::text, from_ts, to_ts, qs, p_service, p_type, p_name, NULL,
        tbl IN ('metric_windows_1h'::regclass, 'metric_windows_1d'::regclass)
        AND NOT vigil_rollups_lack_subindex(tbl::text, from_ts, to_ts, p_service, p_type, p_name));
END
$$;

-- v12's latency_quantiles: the same tiles, read with their sub-indexes where every rollup row has one.
CREATE OR REPLACE FUNCTION latency_quantiles(from_ts timestamptz, to_ts timestamptz, qs double precision[],
                                  p_service text DEFAULT NULL, p_type text DEFAULT 'request', p_name text DEFAULT NULL)
RETURNS TABLE (service text, type text, name text, latency_count bigint, quantiles double precision[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
    h0 timestamptz;  -- hourly rows from here (the first whole hour)
    h1 timestamptz;  -- to here (the end of the last whole hour the hourly rows hold)
    d0 timestamptz;  -- daily rows from here (the first whole day)
    d1 timestamptz;  -- to here (the end of the last whole day before h1 the daily rows hold)
    rollups text;    -- the tiles' rollup rows, for the choice of statement
    bounds timestamptz[];
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
    bounds := ARRAY[from_ts, h0, d0, d1, h1, to_ts];
    IF p_service IS NOT NULL AND p_type IS NOT NULL AND p_name IS NOT NULL THEN
        RETURN QUERY SELECT * FROM vigil_series_quantiles_tiled(from_ts, to_ts, p_service, p_type, p_name, qs, bounds);
        RETURN;
    END IF;
    -- empty ones skipped; three passes when every rollup row among them has a sub-index
    rollups := nullif(array_to_string(ARRAY[
        CASE WHEN h0 < d0 THEN vigil_range_rows('metric_windows_1h', 2) END,
        CASE WHEN d0 < d1 THEN vigil_range_rows('metric_windows_1d', 3) END,
        CASE WHEN d1 < h1 THEN vigil_range_rows('metric_windows_1h', 4) END], ' UNION ALL '), '');
    RETURN QUERY SELECT * FROM vigil_quantiles_through_index(
        '(' || coalesce(nullif(array_to_string(ARRAY[
            CASE WHEN from_ts < h0 THEN vigil_range_rows('metric_windows', 1) END,
            rollups,
            CASE WHEN h1 < to_ts THEN vigil_range_rows('metric_windows', 5) END], ' UNION ALL '), ''),
                             vigil_range_rows('metric_windows', 1)) || ')',  -- an empty range: no rows
        from_ts, to_ts, qs, p_service, p_type, p_name, bounds,
        rollups IS NOT NULL AND NOT vigil_rollups_lack_subindex('(' || rollups || ')', from_ts, to_ts, p_service, p_type, p_name, bounds));
END
$$;

