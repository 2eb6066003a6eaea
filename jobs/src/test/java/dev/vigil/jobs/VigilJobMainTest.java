package dev.vigil.jobs;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The job jar's main as {@code flink run vigil-jobs.jar --help} calls it: usage, no job, no exit code 2. */
class VigilJobMainTest {

    @Test
    void helpPrintsTheOptionsAndSubmitsNothing() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            VigilJob.main(new String[] {"--help"}); // returns: with a job it would need a cluster to run on
        } finally {
            System.setOut(original);
        }
        String usage = captured.toString(StandardCharsets.UTF_8);
        assertThat(usage).startsWith("Usage: vigil-jobs").contains("--kafka=HOST:PORT", "--postgres=URL", "--window=DURATION",
                "--sink-retries=N");
    }
}
