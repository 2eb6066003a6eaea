package dev.vigil.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * Runs an action with {@code System.err} captured, for asserting on what a library prints there (picocli
 * warns on standard error when it cannot format a command's help text, and prints the raw text instead).
 */
public final class StandardError {

    /** What the action returned, and what was printed on standard error meanwhile. */
    public record Captured<T>(T result, String printed) {
    }

    private StandardError() {
    }

    public static synchronized <T> Captured<T> capture(Callable<T> action) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            T result = action.call();
            return new Captured<>(result, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(stderr);
        }
    }
}
