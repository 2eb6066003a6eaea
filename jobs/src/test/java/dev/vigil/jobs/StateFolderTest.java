package dev.vigil.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateFolderTest {

    static PipelineConfig config(Duration window) {
        return PipelineConfig.builder().kafka("localhost:9092").postgres("postgresql://localhost/db").window(window).build();
    }

    static Path point(Path dir, long modifiedMillis) throws Exception {
        Files.createDirectories(dir);
        Path metadata = Files.writeString(dir.resolve("_metadata"), "x");
        Files.setLastModifiedTime(metadata, FileTime.fromMillis(modifiedMillis));
        return dir;
    }

    @Test
    void stateOfAnotherWindowIsRefusedNamingTheOption(@TempDir Path dir) throws Exception {
        StateFolder state = StateFolder.open(dir, "g1");
        state.claim(config(Duration.ofSeconds(10)));
        point(state.savepoints().resolve("savepoint-1"), 1_000);

        assertThatThrownBy(() -> state.claim(config(Duration.ofSeconds(20))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the state in " + state.root() + " was written with --window 10s, this run has --window 20s: "
                        + "run with --window 10s to continue it, or add --fresh to discard it and start over");
        state.claim(config(Duration.ofSeconds(10))); // the same options continue it

        state.discard();
        state.claim(config(Duration.ofSeconds(20))); // nothing kept: any options
    }

    @Test
    void restoresFromTheNewestCompletePointAndPrunesTheRest(@TempDir Path dir) throws Exception {
        StateFolder state = StateFolder.open(dir, "g2");
        assertThat(state.newestRestorePoint()).isEmpty();
        Path oldSavepoint = point(state.savepoints().resolve("savepoint-a"), 1_000);
        Path savepoint = point(state.savepoints().resolve("savepoint-b"), 2_000);
        Path olderSavepoint = point(state.savepoints().resolve("savepoint-0"), 500);
        Path checkpoint = point(state.checkpoints().resolve("job1").resolve("chk-7"), 3_000);
        Files.createDirectories(state.checkpoints().resolve("job1").resolve("chk-8")); // incomplete: no _metadata
        Path otherJob = point(state.checkpoints().resolve("job0").resolve("chk-2"), 100).getParent();

        Optional<Path> newest = state.newestRestorePoint();
        assertThat(newest).contains(checkpoint);

        state.prune(newest);
        assertThat(checkpoint).exists();
        assertThat(otherJob).doesNotExist();
        assertThat(savepoint).exists();
        assertThat(oldSavepoint).exists();
        assertThat(olderSavepoint).as("beyond the newest two savepoints").doesNotExist();
    }

    @Test
    void aGroupIdThatCannotNameAFolderIsRefused(@TempDir Path dir) {
        assertThatThrownBy(() -> StateFolder.open(dir, "../escape"))
                .hasMessageStartingWith("--group-id must be 1-200 letters, digits, '.', '-' or '_'");
    }
}
