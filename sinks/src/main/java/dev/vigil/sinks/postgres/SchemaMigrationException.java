package dev.vigil.sinks.postgres;

/** The schema could not be brought up to date; the message names the database and the cause. */
public final class SchemaMigrationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SchemaMigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
