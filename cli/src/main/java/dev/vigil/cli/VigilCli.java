package dev.vigil.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code vigil} command. Each sub-command is its own class; this one only wires them together.
 */
@Command(
        name = "vigil",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Vigil: streaming SLA metrics. Agents send events to Kafka, Flink computes windowed "
                + "percentiles and rates into PostgreSQL, SLA alerts go out on Redis.",
        footer = {"", "Benchmarks: ./vigil bench --help (they run from the benchmarks module, not from this command).", ""},
        subcommands = {
            DemoCommand.class,
            StackCommand.class,
            RunCommand.class,
            ClusterCommand.class,
            AlertsCommand.class,
            MigrateCommand.class,
            AnalystRoleCommand.class,
            RetentionCommand.class,
            ServeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class VigilCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // `vigil` alone: show what there is to run.
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Chosen explicitly: a log4j2.yaml inside the Kafka test kit would otherwise win and log to stdout,
        // which belongs to the command's output.
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "classpath:vigil-log4j2.xml");
        }
        System.exit(newCommandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine newCommandLine() {
        CommandLine cli = new CommandLine(new VigilCli());
        cli.setExecutionExceptionHandler(new ErrorReporter());
        return cli;
    }
}
