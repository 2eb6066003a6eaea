package dev.vigil.bench;

import dev.vigil.testing.StandardError;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class BenchCliTest {

    /**
     * Every benchmark explains itself, and its text is valid for picocli's formatter: a lone {@code %}
     * in a description made picocli print a warning and the raw text instead.
     */
    @Test
    void everyBenchmarkHasHelpThatPicocliCanFormat() throws Exception {
        for (String name : new CommandLine(new BenchCli()).getSubcommands().keySet()) {
            if (name.equals("help")) {
                continue;
            }
            StringWriter out = new StringWriter();
            StandardError.Captured<Integer> help = StandardError.capture(() -> {
                CommandLine cli = new CommandLine(new BenchCli());
                cli.setOut(new PrintWriter(out));
                return cli.execute(name, "--help");
            });
            assertThat(help.result()).as(name + " --help").isZero();
            assertThat(out.toString()).as(name + " --help").contains("Usage: vigil bench " + name);
            assertThat(help.printed()).as(name + " --help: a description picocli cannot format").doesNotContain("Could not format");
        }
    }
}
