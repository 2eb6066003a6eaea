package dev.vigil.cli;

import dev.vigil.jobs.DurationConverter;
import dev.vigil.jobs.RetentionOptions;
import dev.vigil.sinks.postgres.PostgresUrl;
import dev.vigil.sinks.postgres.Retention;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

@Command(
        name = "retention",
        mixinStandardHelpOptions = true,
        description = {
            "Applies the retention policy now: drops every partition of metric_windows, metric_windows_1h and "
                    + "metric_windows_1d whose rows are all older than that table keeps them, and prints what it "
                    + "dropped. The hourly and daily rollups stay, so queries over long ranges still answer from them.",
            "A running job does the same once an hour when started with --retention (never by default)."
        })
final class RetentionCommand implements Callable<Integer> {

    @Option(names = "--postgres", required = true, paramLabel = "URL",
            description = OptionText.OWNER_POSTGRES_URL)
    String postgres;

    @Option(names = "--dry-run", description = "Print what would be dropped and drop nothing.")
    boolean dryRun;

    @Mixin
    RetentionOptions keep;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Retention policy = keep.toRetention();
        Instant now = Instant.now();
        List<Retention.Dropped> dropped = policy.apply(PostgresUrl.parse(postgres), now, dryRun);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("retention as of %s: metric_windows %s, metric_windows_1h %s, metric_windows_1d %s%n", now,
                kept(policy.windows()), kept(policy.hourly()), kept(policy.daily()));
        long rows = 0;
        for (Retention.Dropped d : dropped) {
            out.printf("%s %s: %d rows, all before %s%n", dryRun ? "would drop" : "dropped", d.partition(),
                    d.rows(), d.before());
            rows += d.rows();
        }
        out.printf("%s %d partitions, %d rows%n", dryRun ? "would drop" : "dropped", dropped.size(), rows);
        out.flush();
        return 0;
    }

    private static String kept(Duration d) {
        return d == null ? "kept for ever" : "kept " + DurationConverter.format(d);
    }
}
