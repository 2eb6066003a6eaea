package dev.vigil.dashboard;

/**
 * A request the API cannot answer, with the status code and the words that say why; it becomes
 * {@code {"error": "..."}}. Anything else that escapes a handler is a bug and answers 500.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    private ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** 400: the request itself is wrong (a malformed parameter, an inverted or too large range). */
    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    /** 404: the request is well formed but names something Vigil has never seen. */
    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    /** 503: a dependency (PostgreSQL) cannot be reached; the request may succeed later. */
    public static ApiException unavailable(String message) {
        return new ApiException(503, message);
    }

    public int status() {
        return status;
    }
}
