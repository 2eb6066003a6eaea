package dev.vigil.agent;

/**
 * Times one request from {@link MetricsAgent#timeRequest} to {@link #close()}.
 *
 * <pre>{@code
 * try (RequestTimer t = agent.timeRequest("GET /cart/{id}")) {
 *     Response r = handle(request);
 *     t.status(r.status());
 * }
 * }</pre>
 * Without a {@link #status} call the request is recorded as 500: a handler that threw before setting
 * one most likely failed.
 */
public final class RequestTimer implements AutoCloseable {
    private final MetricsAgent agent;
    private final String route;
    private final long startNanos;
    private int status = 500;
    private boolean closed;

    RequestTimer(MetricsAgent agent, String route, long startNanos) {
        this.agent = agent;
        this.route = route;
        this.startNanos = startNanos;
    }

    /** The response status to record. */
    public RequestTimer status(int status) {
        this.status = status;
        return this;
    }

    /** Records the request with the time elapsed since it started. Only the first call records. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            agent.recordRequest(route, status, System.nanoTime() - startNanos);
        }
    }
}
