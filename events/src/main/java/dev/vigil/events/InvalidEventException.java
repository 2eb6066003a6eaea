package dev.vigil.events;

/**
 * An event that breaks the v1 rules. The message is the reason in words, exactly as it goes into the
 * {@code error} header of the dead-letter record, e.g. {@code missing field "ts"}.
 *
 * <p>No stack trace is captured: a stream of bad records must not cost a stack walk each, and the
 * reason alone says what is wrong.
 */
public final class InvalidEventException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidEventException(String reason) {
        super(reason, null, false, false);
    }

    /** The reason in words. */
    public String reason() {
        return getMessage();
    }
}
