package dev.vigil.jobs;

import org.apache.flink.util.FileUtils;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Where {@code vigil run} keeps the Flink state of one job identity (its {@code --group-id}):
 * {@code <state-dir>/<group-id>/checkpoints}, {@code …/savepoints} and {@code …/identity.properties}, the
 * options the state was written with.
 *
 * <p>A run restores from the newest savepoint or retained checkpoint here; state written with another
 * window or events topic is refused rather than mixed with different windows. Offsets are part of the
 * state, so events after the restored point are read again and the idempotent upserts keep every row
 * exact.
 */
public final class StateFolder {
    /** Savepoints kept besides the one a run restored from. */
    static final int SAVEPOINTS_KEPT = 2;
    private static final String METADATA = "_metadata";
    private static final String IDENTITY = "identity.properties";

    private final Path root;

    private StateFolder(Path root) {
        this.root = root;
    }

    /** The folder of job identity {@code groupId} under {@code stateDir} (created if missing). */
    public static StateFolder open(Path stateDir, String groupId) {
        if (!groupId.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("--group-id must be 1-200 letters, digits, '.', '-' or '_' to name a "
                    + "state folder, got \"" + groupId + "\"");
        }
        Path root = stateDir.toAbsolutePath().resolve(groupId);
        try {
            Files.createDirectories(root.resolve("checkpoints"));
            Files.createDirectories(root.resolve("savepoints"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state folder " + root + ": " + e.getMessage(), e);
        }
        return new StateFolder(root);
    }

    /**
     * {@code $XDG_STATE_HOME/vigil/jobs}, else {@code ~/.local/state/vigil/jobs}: state is not a cache,
     * deleting it loses the open windows.
     */
    public static Path defaultStateDir() {
        return vigilStateHome().resolve("jobs");
    }

    /** {@code $XDG_STATE_HOME/vigil}, else {@code ~/.local/state/vigil}: where Vigil keeps what must last. */
    public static Path vigilStateHome() {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg)
                : Paths.get(System.getProperty("user.home"), ".local", "state");
        return base.resolve("vigil");
    }

    public Path root() {
        return root;
    }

    public Path checkpoints() {
        return root.resolve("checkpoints");
    }

    public Path savepoints() {
        return root.resolve("savepoints");
    }

    /** Deletes every savepoint, checkpoint and the recorded options: the next run starts from nothing. */
    public void discard() {
        try {
            FileUtils.deleteDirectory(checkpoints().toFile());
            FileUtils.deleteDirectory(savepoints().toFile());
            Files.deleteIfExists(root.resolve(IDENTITY));
            Files.createDirectories(checkpoints());
            Files.createDirectories(savepoints());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot empty the state folder " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses state written with options that change what a window is; records the options otherwise.
     *
     * @throws IllegalArgumentException naming the option, its old and its new value
     */
    public void claim(PipelineConfig cfg) {
        Properties now = identity(cfg);
        Path file = root.resolve(IDENTITY);
        if (Files.exists(file) && newestRestorePoint().isPresent()) {
            Properties before = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                before.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
            for (String option : now.stringPropertyNames()) {
                String was = before.getProperty(option);
                if (was != null && !was.equals(now.getProperty(option))) {
                    throw new IllegalArgumentException("the state in " + root + " was written with " + option + " " + was
                            + ", this run has " + option + " " + now.getProperty(option) + ": run with " + option + " "
                            + was + " to continue it, or add --fresh to discard it and start over");
                }
            }
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            now.store(out, "Options the state in this folder was written with; vigil run refuses others");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static Properties identity(PipelineConfig cfg) {
        Properties p = new Properties();
        p.setProperty("--window", DurationConverter.format(cfg.window()));
        p.setProperty("--events-topic", cfg.eventsTopic());
        return p;
    }

    /** The newest complete savepoint or retained checkpoint (a folder with {@code _metadata}), if any. */
    public Optional<Path> newestRestorePoint() {
        return restorePoints().stream().max(Comparator.comparing(StateFolder::completedAt));
    }

    /**
     * Deletes what no later run needs: checkpoint folders of earlier runs and savepoints beyond the newest
     * {@value #SAVEPOINTS_KEPT}, never {@code keep} (the point this run restored from).
     */
    public void prune(Optional<Path> keep) {
        List<Path> savepoints = new ArrayList<>(completePoints(savepoints(), 1));
        savepoints.sort(Comparator.comparing(StateFolder::completedAt).reversed());
        for (int i = SAVEPOINTS_KEPT; i < savepoints.size(); i++) {
            deleteUnless(savepoints.get(i), keep);
        }
        Optional<Path> keepJob = keep.filter(p -> p.startsWith(checkpoints())).map(Path::getParent);
        for (Path job : children(checkpoints())) {
            if (keepJob.map(k -> !k.equals(job)).orElse(true)) {
                deleteUnless(job, Optional.empty());
            }
        }
    }

    private List<Path> restorePoints() {
        List<Path> points = new ArrayList<>(completePoints(savepoints(), 1));
        points.addAll(completePoints(checkpoints(), 2)); // checkpoints/<job id>/chk-<n>
        return points;
    }

    private static List<Path> completePoints(Path dir, int depth) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> found = Files.find(dir, depth + 1,
                (p, attrs) -> attrs.isRegularFile() && p.getFileName().toString().equals(METADATA))) {
            return found.map(Path::getParent).filter(p -> !p.equals(dir)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static FileTime completedAt(Path point) {
        try {
            return Files.getLastModifiedTime(point.resolve(METADATA));
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static List<Path> children(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void deleteUnless(Path dir, Optional<Path> keep) {
        if (keep.isPresent() && Objects.equals(keep.get(), dir)) {
            return;
        }
        FileUtils.deleteDirectoryQuietly(dir.toFile());
    }
}
