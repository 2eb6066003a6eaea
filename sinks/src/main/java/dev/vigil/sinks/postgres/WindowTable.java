package dev.vigil.sinks.postgres;

import dev.vigil.model.MetricWindow;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;

/**
 * The three tables of window rows, told apart by the length of a row's window: an hour goes to
 * {@code metric_windows_1h}, a day to {@code metric_windows_1d}, anything shorter (the job's window,
 * which must divide an hour) to {@code metric_windows}. Each is partitioned by {@code window_start}: a
 * UTC day, month or year per partition, as {@code vigil_partition_of} in the schema says.
 */
public enum WindowTable {
    WINDOWS("metric_windows"),
    HOURLY("metric_windows_1h"),
    DAILY("metric_windows_1d");

    static final long HOUR_MS = 3_600_000L;
    static final long DAY_MS = 86_400_000L;

    private final String table;

    WindowTable(String table) {
        this.table = table;
    }

    public String table() {
        return table;
    }

    @Override
    public String toString() {
        return table;
    }

    public static WindowTable of(MetricWindow row) {
        long length = row.windowEnd() - row.windowStart();
        return length == HOUR_MS ? HOURLY : length == DAY_MS ? DAILY : WINDOWS;
    }

    /**
     * Whether this table's rows carry {@code latency_hist_subindex} (schema v13): only the rollups' histograms are
     * wide enough for the finer index to pay for its bytes.
     */
    boolean subIndexed() {
        return this != WINDOWS;
    }

    /** The SQL condition on the staging table that picks this table's rows. */
    String stagedRows() {
        return switch (this) {
            case WINDOWS -> "window_end - window_start < interval '1 hour'";
            case HOURLY -> "window_end - window_start = interval '1 hour'";
            case DAILY -> "window_end - window_start = interval '1 day'";
        };
    }

    /** The first day of the partition that holds a window starting at {@code epochMs}. */
    LocalDate partitionOf(long epochMs) {
        LocalDate day = Instant.ofEpochMilli(epochMs).atOffset(ZoneOffset.UTC).toLocalDate();
        return switch (this) {
            case WINDOWS -> day;
            case HOURLY -> day.with(TemporalAdjusters.firstDayOfMonth());
            case DAILY -> day.with(TemporalAdjusters.firstDayOfYear());
        };
    }
}
