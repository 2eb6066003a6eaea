package dev.vigil.cli;

import dev.vigil.jobs.JobOptions;
import dev.vigil.jobs.LocalRunner;
import dev.vigil.jobs.RuleCatalog;
import dev.vigil.jobs.PipelineConfig;
import dev.vigil.jobs.StateFolder;
import dev.vigil.sinks.postgres.SchemaMigrator;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the Vigil pipeline job in a local Flink cluster against the given Kafka, PostgreSQL and Redis.",
            "Applies the schema migrations first. Without --bounded it runs until Ctrl-C or SIGTERM, then stops with "
                    + "a savepoint; its state (open windows, alert states, Kafka offsets) lives in a folder per "
                    + "--group-id under --state-dir, and the next run with that group id restores it, from the savepoint "
                    + "or, after a crash, from the last retained checkpoint. With --bounded it reads the events topic "
                    + "from the earliest offsets to the end offsets found at start, writes every window and exits 0 "
                    + "(no state is kept).",
            "The job jar (jobs/target/vigil-jobs-<version>.jar) takes the same job options with `flink run`."
        })
final class RunCommand implements Callable<Integer> {

    @Mixin
    JobOptions options;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where state is kept, one folder per --group-id "
                    + "(default: $XDG_STATE_HOME/vigil/jobs, else ~/.local/state/vigil/jobs).")
    Path stateDir;

    @Option(names = "--fresh",
            description = "Discard the state kept for this --group-id and start without it: the job reads from the "
                    + "group's committed offsets, so windows open at the last stop lose their earlier events.")
    boolean fresh;

    @Override
    public Integer call() throws Exception {
        PipelineConfig cfg = options.toConfig();
        PrintStream err = System.err;
        if (cfg.bounded()) {
            prepareDatabase(cfg);
            err.printf("running the pipeline on %s (%s, window %s), bounded ...%n", cfg.kafka(), cfg.eventsTopic(),
                    cfg.window());
            long started = System.nanoTime();
            JobExecutionResult result = LocalRunner.run(cfg);
            err.printf("finished in %.1f s (job %s)%n", (System.nanoTime() - started) / 1e9, result.getJobID());
            return 0;
        }
        StateFolder state = StateFolder.open(stateDir != null ? stateDir : StateFolder.defaultStateDir(), cfg.groupId());
        if (fresh) {
            state.discard();
        }
        state.claim(cfg);
        prepareDatabase(cfg);
        Optional<Path> restoreFrom = state.newestRestorePoint();
        state.prune(restoreFrom);
        err.println(restoreFrom.map(p -> "restoring state from " + p)
                .orElse("starting without state (none kept in " + state.root() + ")"));
        err.printf("running the pipeline on %s (%s, window %s); Ctrl-C stops it with a savepoint ...%n", cfg.kafka(),
                cfg.eventsTopic(), cfg.window());
        JobClient job = LocalRunner.startKeepingState(cfg, state, restoreFrom);
        AtomicBoolean stopping = new AtomicBoolean();
        SignalHandler stop = signal -> stopWithSavepoint(job, state, stopping, err);
        Signal.handle(new Signal("TERM"), stop);
        Signal.handle(new Signal("INT"), stop);
        job.getJobExecutionResult().get();
        state.prune(state.newestRestorePoint());
        err.println("stopped; state kept in " + state.root());
        return 0;
    }

    /**
     * Instead of the JVM's default (exit at once, state lost since the last checkpoint): a savepoint with
     * everything up to now, then the job finishes and {@link #call} returns. A second signal while that
     * runs exits at once; the next run then restores from the last retained checkpoint.
     */
    private static void stopWithSavepoint(JobClient job, StateFolder state, AtomicBoolean stopping, PrintStream err) {
        if (!stopping.compareAndSet(false, true)) {
            err.println("stopping without waiting for the savepoint; the next run restores from the last checkpoint");
            Runtime.getRuntime().halt(130);
        }
        err.println("stopping with a savepoint into " + state.savepoints() + " ...");
        Thread stopper = new Thread(() -> {
            try {
                String savepoint = job.stopWithSavepoint(false, state.savepoints().toUri().toString(),
                        SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
                err.println("savepoint " + savepoint);
            } catch (Exception e) {
                err.println("the savepoint failed (" + e.getMessage() + "); cancelling: the next run restores from "
                        + "the last retained checkpoint");
                job.cancel();
            }
        }, "vigil-stop-with-savepoint");
        stopper.start();
    }

    /** The schema this build writes, and the rules SQL reports judge by ({@code sla_rules}). */
    private static void prepareDatabase(PipelineConfig cfg) {
        SchemaMigrator.migrate(cfg.postgres());
        RuleCatalog.publish(cfg.postgres(), cfg.rules());
    }
}
