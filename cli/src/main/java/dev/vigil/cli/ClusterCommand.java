package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.jobs.StateFolder;
import dev.vigil.stack.Ports;
import org.apache.flink.util.FileUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a real Flink standalone session cluster on this machine: a JobManager and N TaskManagers, each "
                    + "its own JVM, from Flink's Maven artifacts (no Flink download, no Docker). Its class path is "
                    + "Flink's runtime and the RocksDB state backend, never Vigil's classes: submit the job jar "
                    + "(jobs/target/vigil-jobs-<version>.jar) with `flink run` or the REST API, as on any cluster.",
            "Prints rest=http://HOST:PORT, then ready, on standard output; logs (and each JVM's pid) go to <dir>/log. Checkpoints and "
                    + "savepoints go to <dir>/checkpoints and <dir>/savepoints, and checkpoints are retained when a "
                    + "job is cancelled. A TaskManager that dies is reported and started again. Runs until Ctrl-C or "
                    + "SIGTERM, then stops every JVM it started."
        })
final class ClusterCommand implements Callable<Integer> {

    /** Flink 2.x's own list (env.java.opts.all): without it the runtime fails on JDK 17+. */
    static final List<String> JDK_OPTIONS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");
    private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";

    @Option(names = "--taskmanagers", paramLabel = "N", description = "TaskManager JVMs (default: ${DEFAULT-VALUE}).")
    int taskManagers = 2;

    @Option(names = "--slots", paramLabel = "S", description = "Task slots per TaskManager (default: ${DEFAULT-VALUE}).")
    int slots = 2;

    @Option(names = "--state-backend", paramLabel = "hashmap|rocksdb",
            description = "hashmap keeps state on the TaskManagers' heap; rocksdb on local disk, with incremental "
                    + "checkpoints, for state that does not fit the heap (default: ${DEFAULT-VALUE}).")
    String stateBackend = "hashmap";

    @Option(names = "--taskmanager-memory", paramLabel = "SIZE",
            description = "Process size of each TaskManager (default: ${DEFAULT-VALUE}). With hashmap the state "
                    + "lives on the task heap, so most of it goes there; with rocksdb, 40%% is managed memory.")
    String taskManagerMemory = "1g";

    @Option(names = "--rest-port", paramLabel = "PORT",
            description = "Web UI and REST port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int restPort;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Configuration, logs, checkpoints and savepoints "
                    + "(default: $XDG_STATE_HOME/vigil/cluster, else ~/.local/state/vigil/cluster).")
    Path dir;

    private final List<Process> taskManagerProcesses = new ArrayList<>();
    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception {
        if (!stateBackend.equals("hashmap") && !stateBackend.equals("rocksdb")) {
            throw new IllegalArgumentException("--state-backend must be hashmap or rocksdb, got " + stateBackend);
        }
        if (taskManagers < 1 || slots < 1) {
            throw new IllegalArgumentException("--taskmanagers and --slots must be at least 1");
        }
        PrintStream out = System.out;
        System.setOut(System.err); // stdout carries only the contract lines
        Path home = (dir != null ? dir : StateFolder.vigilStateHome().resolve("cluster")).toAbsolutePath();
        String classpath = flinkClasspath();
        int port = Ports.orFree(restPort);
        Path conf = writeConfiguration(home, port);

        Process jobManager = start(home, classpath, "jobmanager", "GET_JM_RESOURCE_PARAMS",
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping = true;
            stopAll(jobManager);
            stopped.countDown();
        }, "vigil-cluster-stop"));
        for (int i = 1; i <= taskManagers; i++) {
            superviseTaskManager(home, classpath, i);
        }
        String rest = "http://localhost:" + port;
        awaitTaskManagers(rest, jobManager, conf);
        out.println("rest=" + rest);
        out.println("ready");
        out.flush();
        jobManager.waitFor();
        if (!stopping) {
            System.err.println("vigil cluster: the JobManager exited (code " + jobManager.exitValue() + "); see "
                    + home.resolve("log"));
            return 1;
        }
        stopped.await();
        return 0;
    }

    private Path writeConfiguration(Path home, int port) throws IOException {
        Path conf = home.resolve("conf");
        FileUtils.deleteDirectoryQuietly(conf.toFile());
        FileUtils.deleteDirectoryQuietly(home.resolve("tmp").toFile());
        for (String sub : List.of("conf", "log", "tmp", "checkpoints", "savepoints")) {
            Files.createDirectories(home.resolve(sub));
        }
        boolean rocksdb = stateBackend.equals("rocksdb");
        String config = String.join("\n",
                "jobmanager.rpc.address: localhost",
                "jobmanager.rpc.port: " + Ports.orFree(0),
                "jobmanager.bind-host: localhost",
                "taskmanager.bind-host: localhost",
                "taskmanager.host: localhost",
                "rest.address: localhost",
                "rest.bind-address: localhost",
                "rest.port: " + port,
                "jobmanager.memory.process.size: 768m",
                "taskmanager.memory.process.size: " + taskManagerMemory,
                // Heap state needs heap: Flink's default managed fraction (0.4) leaves a 1 GB TaskManager about
                // 26 MB of task heap. RocksDB lives in managed memory, so it keeps the default.
                "taskmanager.memory.managed.fraction: " + (rocksdb ? "0.4" : "0.05"),
                "taskmanager.numberOfTaskSlots: " + slots,
                "parallelism.default: " + Math.min(2, taskManagers * slots),
                "state.backend.type: " + stateBackend,
                "execution.checkpointing.incremental: " + rocksdb,
                "execution.checkpointing.dir: " + home.resolve("checkpoints").toUri(),
                "execution.checkpointing.savepoint-dir: " + home.resolve("savepoints").toUri(),
                "execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION",
                "execution.checkpointing.num-retained: 3",
                "io.tmp.dirs: " + home.resolve("tmp"),
                "cluster.registration.error-delay: 1 s",
                // A killed TaskManager is found when heartbeats to it fail twice in a row
                // (heartbeat.rpc-failure-threshold): every 2 s, the job restarts about 4 s after the crash
                // instead of 20 s (the default 10 s interval).
                "heartbeat.interval: 2000",
                "heartbeat.timeout: 20000",
                "");
        Files.writeString(conf.resolve("config.yaml"), config);
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = MainAppender",
                "appender.main.name = MainAppender",
                "appender.main.type = File",
                "appender.main.fileName = ${sys:log.file}",
                "appender.main.layout.type = PatternLayout",
                "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                ""));
        return conf;
    }

    private Process start(Path home, String classpath, String name, String resourceQuery, String mainClass)
            throws IOException, InterruptedException {
        List<String> resources = resourceParameters(home, classpath, resourceQuery);
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(List.of(resources.get(0).trim().split("\\s+")));
        command.addAll(JDK_OPTIONS);
        command.add("-Dlog.file=" + home.resolve("log").resolve(name + ".log"));
        command.add("-Dlog4j.configurationFile=" + home.resolve("conf").resolve("log4j.properties").toUri());
        command.addAll(List.of("-cp", classpath, mainClass, "--configDir", home.resolve("conf").toString()));
        if (resources.size() > 1 && !resources.get(1).isBlank()) {
            command.addAll(List.of(resources.get(1).trim().split("\\s+")));
        }
        Path output = home.resolve("log").resolve(name + ".out");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        Files.writeString(home.resolve("log").resolve(name + ".pid"), Long.toString(process.pid()));
        return process;
    }

    /** Flink's own memory arithmetic, as its start scripts call it: JVM flags, then dynamic properties. */
    private static List<String> resourceParameters(Path home, String classpath, String query)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(javaExecutable(), "-cp", classpath,
                "org.apache.flink.runtime.util.bash.BashJavaUtils", query, "--configDir", home.resolve("conf").toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("Flink's memory calculation failed: " + output);
        }
        List<String> results = output.lines().filter(l -> l.startsWith(RESULT_PREFIX))
                .map(l -> l.substring(RESULT_PREFIX.length())).toList();
        if (results.isEmpty()) {
            throw new IllegalStateException("Flink's memory calculation printed no result: " + output);
        }
        return results;
    }

    /** Starts TaskManager {@code index} and starts it again whenever it dies while the cluster runs. */
    private void superviseTaskManager(Path home, String classpath, int index) throws IOException, InterruptedException {
        Process tm = start(home, classpath, "taskmanager-" + index, "GET_TM_RESOURCE_PARAMS",
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
        synchronized (taskManagerProcesses) {
            taskManagerProcesses.add(tm);
        }
        tm.onExit().thenRun(() -> {
            if (stopping) {
                return;
            }
            System.err.printf(Locale.ROOT, "vigil cluster: taskmanager-%d exited with code %d; starting it again%n",
                    index, tm.exitValue());
            try {
                Thread.sleep(2_000);
                if (!stopping) {
                    superviseTaskManager(home, classpath, index);
                }
            } catch (IOException | InterruptedException e) {
                System.err.println("vigil cluster: cannot start taskmanager-" + index + " again: " + e.getMessage());
            }
        });
    }

    private void awaitTaskManagers(String rest, Process jobManager, Path conf) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        ObjectMapper json = new ObjectMapper();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("the JobManager exited (code " + jobManager.exitValue() + "); see "
                        + conf.getParent().resolve("log"));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(rest + "/overview"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode overview = json.readTree(r.body());
                if (r.statusCode() == 200 && overview.path("taskmanagers").asInt() >= taskManagers) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the cluster did not have " + taskManagers + " TaskManagers within 120 s; see "
                + conf.getParent().resolve("log"));
    }

    private void stopAll(Process jobManager) {
        List<Process> all;
        synchronized (taskManagerProcesses) {
            all = new ArrayList<>(taskManagerProcesses);
        }
        all.add(jobManager);
        for (Process p : all) {
            p.destroy(); // SIGTERM: Flink shuts down cleanly
        }
        for (Process p : all) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }

    /** The class path the flink-cluster module wrote: Flink's runtime and RocksDB, nothing of Vigil's. */
    static String flinkClasspath() throws IOException {
        String explicit = System.getProperty("vigil.flink.classpath");
        List<Path> candidates = new ArrayList<>();
        if (explicit != null) {
            candidates.add(Paths.get(explicit));
        }
        String home = System.getProperty("vigil.home");
        if (home != null) {
            candidates.add(Paths.get(home, "flink-cluster", "target", "classpath.txt"));
        }
        candidates.add(Paths.get("flink-cluster", "target", "classpath.txt"));
        candidates.add(Paths.get("..", "flink-cluster", "target", "classpath.txt"));
        for (Path c : candidates) {
            if (Files.isRegularFile(c)) {
                return Files.readString(c).trim();
            }
        }
        throw new IllegalStateException("no Flink class path found (looked for " + candidates + "); build it with "
                + "./mvnw -B -pl flink-cluster package");
    }

    private static String javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

}
