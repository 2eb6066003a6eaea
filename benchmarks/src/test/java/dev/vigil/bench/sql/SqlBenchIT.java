package dev.vigil.bench.sql;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The SQL benchmark on a tiny fleet: it fills, every query answers, and it prints its summary line. */
class SqlBenchIT {

    @Test
    void fillsTimesEveryQueryAndPrintsItsSummary() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SqlBench.Report r = SqlBench.run(new SqlBench.Settings(2, 3, 5, 1), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).containsPattern("sql-bench series_30d_1h_p95_ms=\\S+ fleet_day_p50_p95_p99_ms=\\S+ .*buckets_per_row=\\S+ serve_start_ms=\\S+ serve_services_day_ms=\\S+ serve_services_24h_ms=\\S+ .*fleet_day_1h_p50_p95_p99_indexed_ms=\\S+ series_30d_tiled_p95_ms=\\S+ fleet_day_tiled_p50_p95_p99_ms=\\S+ series_day_tiled_p95_ms=\\S+ series_30d_ragged_tiled_p95_ms=\\S+");
        assertThat(r.minuteRows()).as("(2 services x (3 routes + rollup) + the 30-day series) x 1,440 minutes")
                .isEqualTo((2 * 4 + 1) * 1440);
        assertThat(r.bucketsPerRow()).isPositive();
        assertThat(r.minuteRowBytes()).isGreaterThan(r.histBytes());
        assertThat(r.hourSubIndexBytes()).as("the job's rollups carry a sub-index").isPositive().isLessThan(r.hourRowBytes());
        assertThat(r.serveServicesDayMs()).as("vigil serve answered the fleet's day").isPositive();
    }
}
