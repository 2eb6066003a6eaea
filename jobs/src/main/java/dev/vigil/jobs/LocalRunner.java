package dev.vigil.jobs;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs the pipeline in a Flink cluster inside this JVM (a MiniCluster): {@code vigil run}, the demo and
 * the integration tests. Same graph as the job jar; failures restart from the last checkpoint.
 */
public final class LocalRunner {

    private LocalRunner() {
    }

    /** Runs the Vigil job until it ends: for a bounded run, once every window is written. */
    public static JobExecutionResult run(PipelineConfig cfg) throws Exception {
        return run(cfg, env -> VigilJob.assemble(env, cfg));
    }

    /**
     * Runs the graph {@code assembly} adds, in a local cluster configured from {@code cfg}, until it
     * ends; its checkpoint folder is deleted afterwards. Tests use it to put their own adapters around
     * {@link VigilPipeline}.
     */
    public static JobExecutionResult run(PipelineConfig cfg, Consumer<StreamExecutionEnvironment> assembly)
            throws Exception {
        return run(cfg, new Configuration(), assembly);
    }

    /**
     * As {@link #run(PipelineConfig, Consumer)}, with {@code flinkSettings} added to the local cluster's
     * configuration (benchmarks add a metric reporter this way).
     */
    public static JobExecutionResult run(PipelineConfig cfg, Configuration flinkSettings,
                                         Consumer<StreamExecutionEnvironment> assembly) throws Exception {
        Path checkpoints = newCheckpointsDirectory();
        try {
            StreamExecutionEnvironment env = environment(cfg, flinkSettings, 0, checkpoints);
            assembly.accept(env);
            return env.execute("vigil");
        } finally {
            deleteRecursively(checkpoints);
        }
    }

    public static StreamExecutionEnvironment environment(PipelineConfig cfg) {
        return environment(cfg, 0);
    }

    /**
     * @param webUiPort serve Flink's web UI on this port (needs flink-runtime-web on the class path);
     *                  0 for no web UI
     */
    public static StreamExecutionEnvironment environment(PipelineConfig cfg, int webUiPort) {
        Path checkpoints = newCheckpointsDirectory();
        // The caller decides when the job ends; the folder goes when the JVM does.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(checkpoints), "vigil-checkpoints-cleanup"));
        return environment(cfg, new Configuration(), webUiPort, checkpoints);
    }

    /**
     * Starts the Vigil job in a local cluster, keeping its state in {@code state}: checkpoints are
     * retained there (also when the job is cancelled or the JVM dies), savepoints go there, and the job
     * restores from {@code restoreFrom} if given. Returns once the job is submitted; stop it with
     * {@link JobClient#stopWithSavepoint} into {@link StateFolder#savepoints()}.
     */
    public static JobClient startKeepingState(PipelineConfig cfg, StateFolder state, Optional<Path> restoreFrom)
            throws Exception {
        Configuration conf = clusterConfiguration(state.checkpoints());
        conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, state.savepoints().toUri().toString());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 3);
        restoreFrom.ifPresent(point -> conf.set(StateRecoveryOptions.SAVEPOINT_PATH, point.toUri().toString()));
        StreamExecutionEnvironment env = localEnvironment(cfg, conf, 0);
        VigilJob.assemble(env, cfg);
        return env.executeAsync("vigil");
    }

    private static StreamExecutionEnvironment environment(PipelineConfig cfg, Configuration flinkSettings, int webUiPort,
                                                          Path checkpoints) {
        Configuration conf = clusterConfiguration(checkpoints);
        conf.addAll(flinkSettings);
        return localEnvironment(cfg, conf, webUiPort);
    }

    /** Checkpoints on disk in {@code checkpoints} (restarts: {@link VigilJob#configure}). */
    private static Configuration clusterConfiguration(Path checkpoints) {
        Configuration conf = new Configuration();
        // Checkpoints on disk: the default in-memory storage caps state at 5 MB, which 2,000 busy series
        // already exceed.
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        return conf;
    }

    private static StreamExecutionEnvironment localEnvironment(PipelineConfig cfg, Configuration conf, int webUiPort) {
        int parallelism = cfg.parallelism() > 0 ? cfg.parallelism() : Math.min(4, Runtime.getRuntime().availableProcessors());
        StreamExecutionEnvironment env;
        if (webUiPort > 0) {
            conf.set(RestOptions.PORT, webUiPort);
            env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
            env.setParallelism(parallelism);
        } else {
            env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        }
        VigilJob.configure(env, cfg);
        return env;
    }

    private static Path newCheckpointsDirectory() {
        return checkpointsDirectory().resolve("run-" + java.util.UUID.randomUUID());
    }

    private static void deleteRecursively(Path dir) {
        // A cache folder: leaving it behind is harmless, so a failure to delete it is not an error.
        FileUtils.deleteDirectoryQuietly(dir.toFile());
    }

    /** {@code ~/.cache/vigil/checkpoints} (or under {@code -Dvigil.cache.dir}, or {@code $XDG_CACHE_HOME/vigil}). */
    static Path checkpointsDirectory() {
        String override = System.getProperty("vigil.cache.dir");
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = override != null ? Paths.get(override)
                : (xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache")).resolve("vigil");
        return base.resolve("checkpoints").toAbsolutePath();
    }
}
