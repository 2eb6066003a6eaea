package dev.vigil.stack;

/** A local service could not be started, prepared or stopped; the message says which and why. */
public final class StackException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }

    public StackException(String message) {
        super(message);
    }
}
