-- Vigil schema v4: SQL analysts at scale.
--
--  * latency_hist packs one bucket per array element: bucket_index * 2^40 + count. Half the bytes of
--    (value, count) pairs, and one unnest() reads it, which makes merging twice as fast.
--  * metric_windows, metric_windows_1h and metric_windows_1d are partitioned by window_start (a day,
--    a month and a year per partition), so retention drops whole partitions instead of deleting rows.
--  * latency_merge(latency_hist) merges histograms into one (so one pass serves many quantiles, and a
--    rollup of rollups is exact); latency_hist_quantiles() reads several quantiles from it; both have
--    combine functions, so PostgreSQL may aggregate in parallel. latency_quantile() keeps its meaning.
--  * vigil_apply_retention() drops partitions past a retention per table (vigil retention).
--
-- Existing rows are converted, not lost: the old table's rows are copied into the partitioned one,
-- their histograms re-encoded, and the hourly and daily rollups are computed from them.

-- ─── Histogram encoding ───────────────────────────────────────────────────────────────────────────
-- A bucket index is HdrHistogram's counts-array index for nanosecond values with two significant
-- digits and a lowest value of 1 ns: buckets are at most 1/128 of their value wide. Indexes below 256
-- are exact nanoseconds; above, bucket i covers values up to latency_bucket_upper_ns(i).
-- One element holds a count of at most 2^40 - 1; a larger count of one bucket spans several elements.

CREATE FUNCTION latency_bucket_upper_ns(bucket bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN bucket < 256 THEN bucket
                ELSE (((bucket & 127) + 128) << ((bucket >> 7) - 1)::int) + (1::bigint << ((bucket >> 7) - 1)::int) - 1
           END
$$;

-- The bucket a nanosecond value falls in (the inverse of latency_bucket_upper_ns for upper edges).
CREATE FUNCTION latency_bucket_of_ns(value_ns bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN value_ns < 256 THEN greatest(value_ns, 0)
                ELSE ((e - 7 + 1)::bigint << 7) + ((value_ns >> (e - 7)) - 128)
           END
    FROM (SELECT length(ltrim(value_ns::bit(64)::text, '0')) - 1 AS e) top_bit
$$;

-- Sums the counts of equal buckets and sorts by bucket: the canonical form of a merged histogram.
CREATE OR REPLACE FUNCTION latency_hist_compact(hist bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH merged AS (
        SELECT x >> 40 AS bucket, sum(x & 1099511627775)::bigint AS c FROM unnest(hist) AS x GROUP BY 1
    )
    SELECT coalesce(array_agg(e ORDER BY e), '{}'::bigint[])
    FROM (
        SELECT (bucket << 40) | c AS e FROM merged WHERE c <= 1099511627775
        UNION ALL
        SELECT (bucket << 40) | CASE WHEN k * 1099511627775 <= c THEN 1099511627775 ELSE c - (k - 1) * 1099511627775 END
        FROM merged, generate_series(1::bigint, (c + 1099511627774) / 1099511627775) AS k
        WHERE c > 1099511627775
    ) elements
$$;

-- The transition and combine function of latency_merge: concatenation is cheap, and compacting now and
-- then keeps the state a few thousand numbers however many rows are merged.
CREATE FUNCTION latency_merge_add(state bigint[], hist bigint[]) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF hist IS NULL THEN
        RETURN state;
    END IF;
    IF state IS NULL THEN
        RETURN hist;
    END IF;
    state := state || hist;
    -- Compact when the state passes 8,192 numbers or 32 rows' worth: each row copies the state, so a
    -- smaller threshold compacts (hashes) more often and a larger one copies more. Measured with
    -- vigil bench sql's data: a day of one series' minute rows (47 buckets each, 897 merged) 50 ms at
    -- a threshold of 2,048 and 27 ms now; 30 days of its hourly rows (595 buckets each) 124 -> 109 ms.
    IF cardinality(state) > greatest(8192, 32 * cardinality(hist)) THEN
        state := latency_hist_compact(state);
    END IF;
    RETURN state;
END
$$;

CREATE FUNCTION latency_merge_final(state bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT latency_hist_compact(state)
$$;

CREATE AGGREGATE latency_merge(bigint[]) (
    SFUNC = latency_merge_add,
    STYPE = bigint[],
    COMBINEFUNC = latency_merge_add,
    FINALFUNC = latency_merge_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE latency_merge(bigint[]) IS
    'Merges latency_hist histograms into one latency_hist (NULL when no row had one). Read quantiles from the result with latency_hist_quantiles(hist, ARRAY[0.5, 0.95, 0.99]).';

-- Nearest-rank quantiles, rank = greatest(1, ceil(q * N)), each the upper edge of its bucket in ms:
-- the rule the job uses for the p*_ms columns (before it clamps them to the exact min and max).
CREATE FUNCTION latency_hist_quantiles(hist bigint[], qs double precision[]) RETURNS double precision[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    q double precision;
    result double precision[];
BEGIN
    IF qs IS NULL THEN
        RETURN NULL;
    END IF;
    FOREACH q IN ARRAY qs LOOP
        IF q IS NULL OR q < 0 OR q > 1 OR q = 'NaN'::double precision THEN
            RAISE EXCEPTION 'latency quantiles must be between 0 and 1, got %', q;
        END IF;
    END LOOP;
    IF hist IS NULL OR cardinality(hist) = 0 THEN
        RETURN array_fill(NULL::double precision, ARRAY[cardinality(qs)]);
    END IF;
    WITH buckets AS (
        SELECT x >> 40 AS bucket, sum(x & 1099511627775) AS c FROM unnest(hist) AS x GROUP BY 1
    ), ranked AS (
        SELECT bucket, sum(c) OVER (ORDER BY bucket) AS cum, sum(c) OVER () AS total FROM buckets
    )
    SELECT array_agg((SELECT latency_bucket_upper_ns(r.bucket)::double precision / 1000000.0::double precision
                      FROM ranked r
                      WHERE r.cum >= greatest(1, ceil(wanted.q * r.total::double precision))
                      ORDER BY r.bucket
                      LIMIT 1) ORDER BY wanted.i)
    INTO result
    FROM unnest(qs) WITH ORDINALITY AS wanted(q, i);
    RETURN result;
END
$$;

CREATE FUNCTION latency_hist_quantile(hist bigint[], q double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (latency_hist_quantiles(hist, ARRAY[q]))[1]
$$;

-- The buckets of a histogram, for looking at one: upper edge in ns and count, ascending.
CREATE FUNCTION latency_hist_buckets(hist bigint[]) RETURNS TABLE (le_ns bigint, count bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT latency_bucket_upper_ns(x >> 40), sum(x & 1099511627775)::bigint
    FROM unnest(hist) AS x GROUP BY x >> 40 ORDER BY x >> 40
$$;

-- How many durations a histogram holds.
CREATE FUNCTION latency_hist_count(hist bigint[]) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sum(x & 1099511627775)::bigint FROM unnest(hist) AS x
$$;

-- latency_quantile(latency_hist, q) as before, on the new encoding and with a combine function.
DROP AGGREGATE latency_quantile(bigint[], double precision);
DROP FUNCTION latency_quantile_add(latency_quantile_state, bigint[], double precision);
DROP FUNCTION latency_quantile_final(latency_quantile_state);

CREATE FUNCTION latency_quantile_add(state latency_quantile_state, hist bigint[], q double precision)
RETURNS latency_quantile_state
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF q IS NULL OR q < 0 OR q > 1 OR q = 'NaN'::double precision THEN
        RAISE EXCEPTION 'latency_quantile: q must be between 0 and 1, got %', q;
    END IF;
    IF state IS NULL THEN
        RETURN ROW(q, hist);
    END IF;
    RETURN ROW(q, latency_merge_add(state.hist, hist));
END
$$;

CREATE FUNCTION latency_quantile_combine(a latency_quantile_state, b latency_quantile_state)
RETURNS latency_quantile_state
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
                ELSE ROW(a.q, latency_merge_add(a.hist, b.hist))::latency_quantile_state END
$$;

CREATE FUNCTION latency_quantile_final(state latency_quantile_state) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT latency_hist_quantile(state.hist, state.q)
$$;

CREATE AGGREGATE latency_quantile(bigint[], double precision) (
    SFUNC = latency_quantile_add,
    STYPE = latency_quantile_state,
    COMBINEFUNC = latency_quantile_combine,
    FINALFUNC = latency_quantile_final,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE latency_quantile(bigint[], double precision) IS
    'Merges latency_hist histograms of the aggregated rows and returns the q-quantile (0..1) in milliseconds (nearest rank). For several quantiles in one pass: latency_hist_quantiles(latency_merge(latency_hist), ARRAY[...]).';

-- ─── Partitioned tables ───────────────────────────────────────────────────────────────────────────

ALTER TABLE metric_windows RENAME TO metric_windows_v3;
ALTER TABLE metric_windows_v3 RENAME CONSTRAINT metric_windows_pkey TO metric_windows_v3_pkey;
DROP INDEX metric_windows_window_start;
DROP INDEX metric_windows_service_window_start;

-- Which partition holds an instant: metric_windows a UTC day, metric_windows_1h a UTC month,
-- metric_windows_1d a UTC year.
CREATE FUNCTION vigil_partition_of(parent text, ts timestamptz,
                                   OUT partition_name text, OUT lower_bound timestamptz, OUT upper_bound timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    unit text;
    fmt text;
BEGIN
    CASE parent
        WHEN 'metric_windows' THEN unit := 'day'; fmt := 'YYYYMMDD';
        WHEN 'metric_windows_1h' THEN unit := 'month'; fmt := 'YYYYMM';
        WHEN 'metric_windows_1d' THEN unit := 'year'; fmt := 'YYYY';
        ELSE RAISE EXCEPTION 'vigil_partition_of: % is not a partitioned Vigil table', parent;
    END CASE;
    lower_bound := date_trunc(unit, ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    upper_bound := (date_trunc(unit, ts AT TIME ZONE 'UTC') + ('1 ' || unit)::interval) AT TIME ZONE 'UTC';
    partition_name := parent || '_p' || to_char(lower_bound AT TIME ZONE 'UTC', fmt);
END
$$;

-- Creates the partition of parent that holds ts unless it exists; returns its name. Serialised by an
-- advisory lock, so writers racing for the same new day do not collide. A row that finds no partition
-- (someone inserting by hand) lands in the table's default partition; rows of this range found there are
-- moved into the new partition, so creating one never fails on them.
CREATE FUNCTION vigil_ensure_partition(parent text, ts timestamptz) RETURNS text
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
    IF to_regclass(p.partition_name) IS NOT NULL THEN
        RETURN p.partition_name;
    END IF;
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
    RETURN p.partition_name;
END
$$;

-- Creates every partition from the one holding `from` up to the one holding `to`.
CREATE FUNCTION vigil_ensure_partitions(parent text, from_ts timestamptz, to_ts timestamptz) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    ts timestamptz := from_ts;
    p record;
BEGIN
    LOOP
        SELECT * INTO p FROM vigil_partition_of(parent, ts);
        RETURN NEXT vigil_ensure_partition(parent, ts);
        EXIT WHEN p.upper_bound > to_ts;
        ts := p.upper_bound;
    END LOOP;
END
$$;

-- Partitions ahead of time: a week of days, this month and the next, this year and the next.
CREATE FUNCTION vigil_create_partitions_ahead(now_ts timestamptz DEFAULT now()) RETURNS SETOF text
LANGUAGE sql AS $$
    SELECT vigil_ensure_partitions('metric_windows', now_ts - interval '1 day', now_ts + interval '7 days')
    UNION ALL SELECT vigil_ensure_partitions('metric_windows_1h', now_ts, now_ts + interval '1 month')
    UNION ALL SELECT vigil_ensure_partitions('metric_windows_1d', now_ts, now_ts + interval '1 year')
$$;

-- Retention: drops every partition of parent whose rows are all older than keep (its upper bound is at
-- least keep before now_ts), and says what it dropped. A partition whose newest window is younger than
-- keep stays whole, so rows are kept at least keep and at most keep plus one partition.
CREATE FUNCTION vigil_drop_partitions(parent text, keep interval, now_ts timestamptz DEFAULT now(),
                                      dry_run boolean DEFAULT false)
RETURNS TABLE (table_name text, partition_name text, upper_bound timestamptz, rows_dropped bigint)
LANGUAGE plpgsql AS $$
DECLARE
    p record;
BEGIN
    IF keep IS NULL THEN
        RETURN;
    END IF;
    IF keep <= interval '0' THEN
        RAISE EXCEPTION 'vigil_drop_partitions: keep must be positive, got %', keep;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('vigil_partitions'));
    FOR p IN
        SELECT c.relname AS name,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS hi
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = parent::regclass AND c.relname <> parent || '_default'
        ORDER BY 2
    LOOP
        CONTINUE WHEN p.hi > now_ts - keep;
        table_name := parent;
        partition_name := p.name;
        upper_bound := p.hi;
        EXECUTE format('SELECT count(*) FROM %I', p.name) INTO rows_dropped;
        IF NOT dry_run THEN
            EXECUTE format('DROP TABLE %I', p.name);
        END IF;
        RETURN NEXT;
    END LOOP;
    -- Rows inserted by hand where no partition was: deleted row by row.
    table_name := parent;
    partition_name := parent || '_default';
    upper_bound := now_ts - keep;
    IF dry_run THEN
        EXECUTE format('SELECT count(*) FROM %I WHERE window_start < %L', partition_name, upper_bound) INTO rows_dropped;
    ELSE
        EXECUTE format('WITH gone AS (DELETE FROM %I WHERE window_start < %L RETURNING 1) SELECT count(*) FROM gone',
                       partition_name, upper_bound) INTO rows_dropped;
    END IF;
    IF rows_dropped > 0 THEN
        RETURN NEXT;
    END IF;
END
$$;

-- The whole policy in one call; a NULL keep keeps that table forever. `vigil retention` and a job
-- started with --retention call it.
CREATE FUNCTION vigil_apply_retention(keep_windows interval, keep_1h interval, keep_1d interval,
                                      now_ts timestamptz DEFAULT now(), dry_run boolean DEFAULT false)
RETURNS TABLE (table_name text, partition_name text, upper_bound timestamptz, rows_dropped bigint)
LANGUAGE sql AS $$
    SELECT * FROM vigil_drop_partitions('metric_windows', keep_windows, now_ts, dry_run)
    UNION ALL SELECT * FROM vigil_drop_partitions('metric_windows_1h', keep_1h, now_ts, dry_run)
    UNION ALL SELECT * FROM vigil_drop_partitions('metric_windows_1d', keep_1d, now_ts, dry_run)
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['metric_windows', 'metric_windows_1h', 'metric_windows_1d'] LOOP
        EXECUTE format($f$
            CREATE TABLE %I (
                type          text             NOT NULL CHECK (type IN ('request', 'query', 'cache', 'scraper')),
                service       text             NOT NULL,
                name          text             NOT NULL,
                window_start  timestamptz      NOT NULL,
                window_end    timestamptz      NOT NULL,
                count         bigint           NOT NULL CHECK (count >= 0),
                errors        bigint           NOT NULL CHECK (errors >= 0),
                error_rate    double precision NOT NULL,
                hits          bigint,
                misses        bigint,
                hit_rate      double precision,
                min_ms        double precision,
                mean_ms       double precision,
                p50_ms        double precision,
                p90_ms        double precision,
                p95_ms        double precision,
                p99_ms        double precision,
                p999_ms       double precision,
                max_ms        double precision,
                latency_hist  bigint[],
                updated_at    timestamptz      NOT NULL DEFAULT now(),
                PRIMARY KEY (service, type, name, window_start, window_end),
                CHECK (window_end > window_start)
            ) PARTITION BY RANGE (window_start)$f$, t);
        -- Rows arrive in time order, so a BRIN index serves time-range scans across services for a few
        -- kilobytes per partition; the primary key (service first) serves everything per series.
        EXECUTE format('CREATE INDEX %I ON %I USING brin (window_start)', t || '_window_start', t);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN latency_hist SET STORAGE MAIN', t);
        EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', t || '_default', t);
    END LOOP;
END
$$;

COMMENT ON TABLE metric_windows IS
    'One row per tumbling window and series (type, service, name); name = ''*'' is the rollup of a (type, service). Rows are upserted: a late event re-writes its window. Partitioned by window_start, one partition per UTC day.';
COMMENT ON TABLE metric_windows_1h IS
    'metric_windows merged per UTC hour and series, same columns; written by the job when the hour closes and rewritten by late data. One partition per UTC month.';
COMMENT ON TABLE metric_windows_1d IS
    'metric_windows merged per UTC day and series, same columns; written by the job every hour while the day runs, when it closes, and on late data. One partition per UTC year.';
COMMENT ON COLUMN metric_windows.latency_hist IS
    'Mergeable latency histogram, one element per non-empty bucket: bucket_index * 2^40 + count (see latency_hist_buckets). Merge rows with latency_merge(latency_hist) or latency_quantile(latency_hist, q).';
COMMENT ON COLUMN metric_windows_1h.latency_hist IS 'As metric_windows.latency_hist: the merge of the hour''s rows.';
COMMENT ON COLUMN metric_windows_1d.latency_hist IS 'As metric_windows.latency_hist: the merge of the day''s rows.';

-- ─── Existing rows ────────────────────────────────────────────────────────────────────────────────

SELECT count(*) FROM (
    SELECT vigil_ensure_partition('metric_windows', d)
    FROM (SELECT DISTINCT date_trunc('day', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS d FROM metric_windows_v3) days
) created;
SELECT count(*) FROM (
    SELECT vigil_ensure_partition('metric_windows_1h', d)
    FROM (SELECT DISTINCT date_trunc('month', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS d FROM metric_windows_v3) months
) created;
SELECT count(*) FROM (
    SELECT vigil_ensure_partition('metric_windows_1d', d)
    FROM (SELECT DISTINCT date_trunc('year', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS d FROM metric_windows_v3) years
) created;
SELECT count(*) FROM vigil_create_partitions_ahead();

-- v3 histograms were (value_ns, count) pairs; each value is its bucket's upper edge.
INSERT INTO metric_windows
SELECT type, service, name, window_start, window_end, count, errors, error_rate, hits, misses, hit_rate,
       min_ms, mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms,
       CASE WHEN latency_hist IS NULL THEN NULL ELSE
           latency_hist_compact(ARRAY(SELECT (latency_bucket_of_ns(latency_hist[2 * i - 1]) << 40) | latency_hist[2 * i]
                                      FROM generate_series(1, cardinality(latency_hist) / 2) AS i)) END,
       updated_at
FROM metric_windows_v3;

DROP TABLE metric_windows_v3;

-- Rollup rows computed in SQL from finer rows of `source` (metric_windows or metric_windows_1h), merged
-- as the job merges them: sums, exact min and max, the duration-weighted mean, the merged histogram and
-- its quantiles clamped to the exact min and max. The migration fills the rollup tables with it from
-- the rows that exist before the job maintains them; tests use it as the oracle.
CREATE FUNCTION vigil_rollup_rows(source regclass, unit text, from_ts timestamptz, to_ts timestamptz)
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
               greatest(min_ms, least(max_ms, q[5])), max_ms, merged, now()
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

INSERT INTO metric_windows_1h SELECT * FROM vigil_rollup_rows('metric_windows', 'hour', '-infinity', 'infinity');
INSERT INTO metric_windows_1d SELECT * FROM vigil_rollup_rows('metric_windows_1h', 'day', '-infinity', 'infinity');
