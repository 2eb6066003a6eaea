package dev.vigil.cli;

import dev.vigil.testing.StandardError;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class VigilCliTest {

    @Test
    void everySubCommandHasHelp() throws Exception {
        CommandLine cli = VigilCli.newCommandLine();
        for (String name : cli.getSubcommands().keySet()) {
            if (name.equals("help")) {
                continue;
            }
            StringWriter out = new StringWriter();
            StandardError.Captured<Integer> help = StandardError.capture(() -> {
                CommandLine fresh = VigilCli.newCommandLine();
                fresh.setOut(new PrintWriter(out));
                return fresh.execute(name, "--help");
            });
            assertThat(help.result()).as(name + " --help").isZero();
            assertThat(out.toString()).as(name + " --help").contains("Usage: vigil " + name);
            assertThat(help.printed()).as(name + " --help: a description picocli cannot format").doesNotContain("Could not format");
        }
        assertThat(cli.getSubcommands()).containsKeys("stack", "migrate", "analyst-role");
    }

    @Test
    void aFailingCommandPrintsOneLineAndExitsOne() {
        StringWriter err = new StringWriter();
        CommandLine cli = VigilCli.newCommandLine();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("migrate", "--postgres", "mysql://root:hunter2@db/x");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip())
                .startsWith("vigil migrate: not a PostgreSQL URL")
                .doesNotContain("hunter2")
                .doesNotContain("\n");
    }

    @Test
    void aMissingRequiredOptionIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = VigilCli.newCommandLine();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("migrate")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--postgres=URL'");
    }
}
