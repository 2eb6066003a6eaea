-- Vigil schema v8: where every SLO stands, per series and window, for analysts and dashboards.
--
-- One row per SLO series and window, written by the job after the window closes and upserted on its
-- primary key (a replay writes the same row). good and total count the SLO's rolling period up to
-- window_end; window_good and window_total the window alone. budget_remaining is
-- 1 - bad / ((1 - objective) * total) over the period: 1 when nothing was bad, negative when the budget
-- is overspent. burn_rates maps each tier window, as the job measured it ("5m", "1h", ...), to the
-- burn rate over that window ending at window_end: the bad ratio divided by 1 - objective, 0 without
-- events. state is the SLO's alert after this window.

CREATE TABLE slo_status (
    slo               text             NOT NULL,
    type              text             NOT NULL CHECK (type IN ('request', 'query', 'cache', 'scraper')),
    service           text             NOT NULL,
    name              text             NOT NULL,
    window_start      timestamptz      NOT NULL,
    window_end        timestamptz      NOT NULL,
    objective         double precision NOT NULL CHECK (objective > 0 AND objective < 1),
    good              bigint           NOT NULL CHECK (good >= 0 AND good <= total),
    total             bigint           NOT NULL,
    window_good       bigint           NOT NULL CHECK (window_good >= 0 AND window_good <= window_total),
    window_total      bigint           NOT NULL,
    budget_remaining  double precision NOT NULL,
    burn_rates        jsonb            NOT NULL,
    state             text             NOT NULL CHECK (state IN ('ok', 'warning', 'critical')),
    updated_at        timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (slo, type, service, name, window_end)
);

COMMENT ON TABLE slo_status IS
    'Per SLO series and window: good/total over the rolling period, budget_remaining, burn rates per tier window, alert state.';

CREATE INDEX slo_status_window_end ON slo_status (window_end);
CREATE INDEX slo_status_service ON slo_status (service, window_end);

-- Retention: slo_status rows go with the one-window rows (keep_windows), deleted by window_end.
CREATE OR REPLACE FUNCTION vigil_apply_retention(keep_windows interval, keep_1h interval, keep_1d interval,
                                                 now_ts timestamptz DEFAULT now(), dry_run boolean DEFAULT false)
RETURNS TABLE (table_name text, partition_name text, upper_bound timestamptz, rows_dropped bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT * FROM vigil_drop_partitions('metric_windows', keep_windows, now_ts, dry_run)
        UNION ALL SELECT * FROM vigil_drop_partitions('metric_windows_1h', keep_1h, now_ts, dry_run)
        UNION ALL SELECT * FROM vigil_drop_partitions('metric_windows_1d', keep_1d, now_ts, dry_run);
    IF keep_windows IS NULL THEN
        RETURN;
    END IF;
    table_name := 'slo_status';
    partition_name := 'slo_status';
    upper_bound := now_ts - keep_windows;
    IF dry_run THEN
        SELECT count(*) INTO rows_dropped FROM slo_status s WHERE s.window_end < now_ts - keep_windows;
    ELSE
        WITH gone AS (DELETE FROM slo_status s WHERE s.window_end < now_ts - keep_windows RETURNING 1)
        SELECT count(*) INTO rows_dropped FROM gone;
    END IF;
    IF rows_dropped > 0 THEN
        RETURN NEXT;
    END IF;
END
$$;
