package dev.vigil.stack;

/**
 * A {@code main} for {@link EmbeddedStackTest}: starts a stack, prints its PostgreSQL URL and run folder, and waits without
 * ever closing it, like a command stopped with Ctrl-C or SIGTERM.
 */
public final class StackUntilTerminated {

    private StackUntilTerminated() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedStack stack = EmbeddedStack.builder().start();
        System.out.println("postgres=" + stack.postgresJdbcUrl());
        System.out.println("run-dir=" + stack.runDirectory());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
