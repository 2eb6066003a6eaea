-- latency_hist values are nanoseconds from now on (they were microseconds): microsecond rounding alone
-- put fast cache lookups (tens of microseconds) over the 1% accuracy bound. latency_quantile divides
-- accordingly. Rows written before this migration are no longer comparable; Vigil had no release yet.

CREATE OR REPLACE FUNCTION latency_quantile_final(state latency_quantile_state) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH buckets AS (
        SELECT (state).hist[2 * i - 1] AS v, sum((state).hist[2 * i]) AS c
        FROM generate_series(1, cardinality((state).hist) / 2) AS i
        GROUP BY 1
    ), ranked AS (
        SELECT v, sum(c) OVER (ORDER BY v) AS cum, sum(c) OVER () AS total FROM buckets
    )
    SELECT v::double precision / 1000000.0::double precision
    FROM ranked
    WHERE cum >= greatest(1, ceil((state).q * total::double precision))
    ORDER BY v
    LIMIT 1
$$;

COMMENT ON COLUMN metric_windows.latency_hist IS
    'Mergeable latency histogram: flat array of (value_ns, count) pairs sorted by value_ns, one pair per non-empty HdrHistogram bucket (value_ns = the bucket''s highest equivalent value in nanoseconds). Merge rows with latency_quantile(latency_hist, q).';
