package dev.vigil.cli;

import picocli.CommandLine;

/**
 * Turns an exception from a command into one line on stderr and exit code 1: users get the reason in
 * words, not a stack trace. {@code VIGIL_DEBUG=1} shows the trace too.
 */
final class ErrorReporter implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        cmd.getErr().println("vigil " + cmd.getCommandName() + ": " + describe(e));
        if (System.getenv("VIGIL_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
        }
        return 1;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
