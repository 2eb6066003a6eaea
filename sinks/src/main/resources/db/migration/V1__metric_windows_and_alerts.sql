-- Vigil schema v1: one row per window and series, and one row per alert transition.
-- Applied by Flyway (vigil migrate, vigil stack, or the job at start); never edit an applied migration.

CREATE TABLE metric_windows (
    type          text             NOT NULL CHECK (type IN ('request', 'query', 'cache', 'scraper')),
    service       text             NOT NULL,
    name          text             NOT NULL,          -- '*' for the per-(type, service) rollup
    window_start  timestamptz      NOT NULL,          -- inclusive
    window_end    timestamptz      NOT NULL,          -- exclusive
    count         bigint           NOT NULL CHECK (count >= 0),
    errors        bigint           NOT NULL CHECK (errors >= 0),
    error_rate    double precision NOT NULL,          -- errors / count
    hits          bigint,                             -- cache only
    misses        bigint,                             -- cache only
    hit_rate      double precision,                   -- cache only: hits / (hits + misses)
    min_ms        double precision,                   -- latency columns are null when no event had a duration
    mean_ms       double precision,
    p50_ms        double precision,
    p90_ms        double precision,
    p95_ms        double precision,
    p99_ms        double precision,
    p999_ms       double precision,
    max_ms        double precision,
    latency_hist  bigint[],
    updated_at    timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (type, service, name, window_start, window_end),
    CHECK (window_end > window_start)
);

COMMENT ON TABLE metric_windows IS
    'One row per tumbling window and series (type, service, name); name = ''*'' is the rollup of a (type, service). Rows are upserted: a late event re-writes its window.';
COMMENT ON COLUMN metric_windows.latency_hist IS
    'Mergeable latency histogram: flat array of (value_us, count) pairs sorted by value_us, one pair per non-empty HdrHistogram bucket (value_us = the bucket''s highest equivalent value in microseconds). Merge rows with latency_quantile(latency_hist, q).';

-- Analysts filter by time, usually per service.
CREATE INDEX metric_windows_window_start ON metric_windows (window_start);
CREATE INDEX metric_windows_service_window_start ON metric_windows (service, window_start);

CREATE TABLE alerts (
    alert_id      text             PRIMARY KEY,       -- deterministic: replays write the same id
    event         text             NOT NULL CHECK (event IN ('firing', 'escalated', 'resolved')),
    rule          text             NOT NULL,
    severity      text             NOT NULL CHECK (severity IN ('warning', 'critical')),
    type          text             NOT NULL,
    service       text             NOT NULL,
    name          text             NOT NULL,
    metric        text             NOT NULL,          -- p95_ms, error_rate, hit_rate, ...
    value         double precision,
    threshold     double precision,
    window_start  timestamptz      NOT NULL,          -- the window that caused the transition
    window_end    timestamptz      NOT NULL,
    started_at    timestamptz      NOT NULL,          -- when the alert first fired
    summary       text             NOT NULL,
    recorded_at   timestamptz      NOT NULL DEFAULT now()
);

COMMENT ON TABLE alerts IS
    'Alert history: one row per transition (firing, escalated, resolved), inserted with ON CONFLICT (alert_id) DO NOTHING.';

CREATE INDEX alerts_service_window_start ON alerts (service, window_start);
CREATE INDEX alerts_window_start ON alerts (window_start);
