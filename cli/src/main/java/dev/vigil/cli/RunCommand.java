package dev.vigil.cli;

import dev.vigil.jobs.JobOptions;
import dev.vigil.jobs.LocalRunner;
import dev.vigil.jobs.PipelineConfig;
import dev.vigil.sinks.postgres.SchemaMigrator;
import org.apache.flink.api.common.JobExecutionResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the Vigil pipeline job in a local Flink cluster against the given Kafka, PostgreSQL and Redis.",
            "Applies the schema migrations first. Without --bounded it runs until Ctrl-C; with --bounded it reads "
                    + "the events topic from the earliest offsets to the end offsets found at start, writes every "
                    + "window and exits 0.",
            "The job jar (jobs/target/vigil-jobs-<version>.jar) takes the same options with `flink run`."
        })
final class RunCommand implements Callable<Integer> {

    @Mixin
    JobOptions options;

    @Override
    public Integer call() throws Exception {
        PipelineConfig cfg = options.toConfig();
        SchemaMigrator.migrate(cfg.postgres());
        System.err.printf("running the pipeline on %s (%s, window %s)%s ...%n", cfg.kafka(), cfg.eventsTopic(),
                cfg.window(), cfg.bounded() ? ", bounded" : "; Ctrl-C to stop");
        long started = System.nanoTime();
        JobExecutionResult result = LocalRunner.run(cfg);
        System.err.printf("finished in %.1f s (job %s)%n", (System.nanoTime() - started) / 1e9, result.getJobID());
        return 0;
    }
}
