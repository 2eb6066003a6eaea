package dev.vigil.bench;

import dev.vigil.bench.decode.BatchDecodeBenchmark;
import dev.vigil.bench.decode.DecodeBenchmark;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code vigil bench decode}: what invalid records cost a stream of valid ones, through the source's real
 * per-record decision (JMH, one thread). Ends with
 * {@code decode-bench valid_ns=<V> invalid_ns=<I> mixed_ns=<M> mixed_vs_own_cost=<M / ((V + I) / 2)>}: 1.00
 * means a 50% burst of invalid records costs the stream exactly their own decoding, nothing more;
 * {@code batch_ns} is the same valid events in the agent's batch records, per event.
 */
public final class DecodeBench {

    /** @param batchNs per event, valid events in batch records of 200 (what the agent sends) */
    public record Report(double validNs, double invalidNs, double mixedNs, double batchNs) {
        public String summaryLine() {
            return String.format(Locale.ROOT, "decode-bench valid_ns=%.0f invalid_ns=%.0f mixed_ns=%.0f mixed_vs_own_cost=%.2f"
                            + " batch_ns=%.0f",
                    validNs, invalidNs, mixedNs, mixedNs / ((validNs + invalidNs) / 2), batchNs);
        }
    }

    private DecodeBench() {
    }

    public static Report run(boolean quick, PrintStream out) throws Exception {
        Options options = new OptionsBuilder()
                .include(DecodeBenchmark.class.getName())
                .include(BatchDecodeBenchmark.class.getName())
                .mode(Mode.AverageTime)
                .timeUnit(TimeUnit.NANOSECONDS)
                .warmupIterations(quick ? 2 : 5)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 10)
                .measurementTime(TimeValue.seconds(1))
                .forks(1)
                .jvmArgsAppend("-Xmx1g")
                .build();
        Map<String, Double> byShare = new HashMap<>();
        double batchNs = Double.NaN;
        for (RunResult r : new Runner(options).run()) {
            if (r.getParams().getBenchmark().endsWith("decodeBatches")) {
                batchNs = r.getPrimaryResult().getScore();
            } else {
                byShare.put(r.getParams().getParam("invalidShare"), r.getPrimaryResult().getScore());
            }
        }
        Report report = new Report(byShare.get("0"), byShare.get("1"), byShare.get("0.5"), batchNs);
        out.println();
        out.printf(Locale.ROOT, "decode, valid records only      : %6.0f ns/record%n", report.validNs());
        out.printf(Locale.ROOT, "decode, invalid records only    : %6.0f ns/record (10 kinds, reasons in words)%n", report.invalidNs());
        out.printf(Locale.ROOT, "decode, 50%% invalid, interleaved: %6.0f ns/record%n", report.mixedNs());
        out.printf(Locale.ROOT, "decode, batch records of %d     : %6.0f ns/event (%.1f bytes an event)%n",
                200, report.batchNs(), BatchDecodeBenchmark.bytesPerEvent());
        out.println(report.summaryLine());
        return report;
    }
}
