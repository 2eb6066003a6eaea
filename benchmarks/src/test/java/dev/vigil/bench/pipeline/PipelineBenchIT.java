package dev.vigil.bench.pipeline;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Smoke test: the pipeline benchmark runs end to end on a tiny N and its runs agree. */
class PipelineBenchIT {

    @Test
    void runsAllFourJobsAndPrintsTheLine() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PipelineBench.Report report = PipelineBench.run(new PipelineBench.Settings(20_000, 200, 2),
                new PrintStream(captured, true, StandardCharsets.UTF_8));
        String out = captured.toString(StandardCharsets.UTF_8);
        System.out.println(out);

        assertThat(report.agreement().windows()).isPositive();
        assertThat(report.agreement().worstVigilVsNaive()).isLessThanOrEqualTo(0.01);
        assertThat(report.agreement().sqlOutsideRankBounds()).isZero();
        assertThat(out.lines().reduce((a, b) -> b).orElseThrow()).matches(
                "pipeline-bench events=20000 decode_eps=\\d+ vigil_eps=\\d+ naive_eps=\\d+ flinksql_eps=\\d+ "
                        + "vigil_vs_decode=\\d+\\.\\d\\d vigil_vs_naive=\\d+\\.\\d\\d vigil_vs_flinksql=\\d+\\.\\d\\d "
                        + "vigil_peak_heap_mb=\\d+ raw_eps=\\d+ decode_vs_raw=\\d+\\.\\d\\d decode_batch_eps=\\d+ "
                        + "vigil_postgres_cpu_s=\\d+\\.\\d steady_decode_eps=\\d+ steady_vigil_eps=\\d+ "
                        + "steady_naive_eps=\\d+ steady_flinksql_eps=\\d+ steady_vigil_vs_decode=\\d+\\.\\d\\d "
                        + "steady_vigil_vs_naive=\\d+\\.\\d\\d steady_vigil_vs_flinksql=\\d+\\.\\d\\d");
        assertThat(report.vigilPostgresCpuSeconds()).isPositive();
        // The sources' progress was seen in every Flink run: a rate over the steady interval.
        assertThat(report.steady().decodeEps()).isPositive().isFinite();
        assertThat(report.steady().vigilEps()).isPositive().isFinite();
        assertThat(report.steady().naiveEps()).isPositive().isFinite();
        assertThat(report.steady().flinkSqlEps()).isPositive().isFinite();
    }
}
