package dev.vigil.alerting;

/** A rules file that cannot be used; the message names the file, the rule and the field. */
public final class RuleValidationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RuleValidationException(String message) {
        super(message);
    }

    public RuleValidationException(String message, Throwable cause) {
        super(message, cause);
    }
}
