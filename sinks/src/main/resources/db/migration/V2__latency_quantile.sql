-- latency_quantile(latency_hist, q): merges the histograms of any set of metric_windows rows and
-- returns the q-quantile in milliseconds. Plain SQL and PL/pgSQL: no extension needed.
--
--   SELECT service, latency_quantile(latency_hist, 0.95) FROM metric_windows
--   WHERE type = 'request' AND name = '*' AND window_start >= now() - interval '1 day' GROUP BY service;
--
-- The rule is nearest rank, rank = greatest(1, ceil(q * N)), over (value_us, count) pairs; the value is
-- the bucket's upper edge in microseconds, divided by 1000. Java (LatencyHistogram.quantileMillis)
-- uses the same rule on the merged HdrHistogram, so both give the same answer to the last bit.

CREATE TYPE latency_quantile_state AS (q double precision, hist bigint[]);

-- Sums the counts of equal values: keeps the running state at most one pair per histogram bucket.
CREATE FUNCTION latency_hist_compact(hist bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(x ORDER BY v, k), '{}'::bigint[])
    FROM (
        SELECT hist[2 * i - 1] AS v, sum(hist[2 * i])::bigint AS c
        FROM generate_series(1, cardinality(hist) / 2) AS i
        GROUP BY 1
    ) merged,
    LATERAL (VALUES (1, merged.v), (2, merged.c)) AS pair(k, x)
$$;

CREATE FUNCTION latency_quantile_add(state latency_quantile_state, hist bigint[], q double precision)
RETURNS latency_quantile_state
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF q IS NULL OR q < 0 OR q > 1 OR q = 'NaN'::double precision THEN
        RAISE EXCEPTION 'latency_quantile: q must be between 0 and 1, got %', q;
    END IF;
    IF state IS NULL THEN
        state := ROW(q, '{}'::bigint[]);
    END IF;
    IF hist IS NOT NULL THEN
        IF cardinality(hist) % 2 <> 0 THEN
            RAISE EXCEPTION 'latency_quantile: latency_hist must hold (value, count) pairs, got % numbers', cardinality(hist);
        END IF;
        state.hist := state.hist || hist;
        -- Concatenating is cheap; compact now and then so a year of rows stays a few thousand pairs.
        IF cardinality(state.hist) > 65536 THEN
            state.hist := latency_hist_compact(state.hist);
        END IF;
    END IF;
    state.q := q;
    RETURN state;
END
$$;

CREATE FUNCTION latency_quantile_final(state latency_quantile_state) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH buckets AS (
        SELECT (state).hist[2 * i - 1] AS v, sum((state).hist[2 * i]) AS c
        FROM generate_series(1, cardinality((state).hist) / 2) AS i
        GROUP BY 1
    ), ranked AS (
        SELECT v, sum(c) OVER (ORDER BY v) AS cum, sum(c) OVER () AS total FROM buckets
    )
    SELECT v::double precision / 1000.0::double precision
    FROM ranked
    WHERE cum >= greatest(1, ceil((state).q * total::double precision))
    ORDER BY v
    LIMIT 1
$$;

CREATE AGGREGATE latency_quantile(bigint[], double precision) (
    SFUNC = latency_quantile_add,
    STYPE = latency_quantile_state,
    FINALFUNC = latency_quantile_final
);

COMMENT ON AGGREGATE latency_quantile(bigint[], double precision) IS
    'Merges latency_hist histograms of the aggregated rows and returns the q-quantile (0..1) in milliseconds (nearest rank).';
