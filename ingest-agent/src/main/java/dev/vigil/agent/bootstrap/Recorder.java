package dev.vigil.agent.bootstrap;

/**
 * What instrumented code reports to; the agent implements it. Called on the service's threads, so every
 * implementation must be quick and must not throw (the hooks catch anything it does throw).
 */
public interface Recorder {

    /**
     * An inbound HTTP request, timed from the outermost handler's entry to its exit.
     *
     * @param pattern the route pattern a framework matched, or null to derive a name from {@code path}
     * @param status  the status sent, or a value below 100 when none was sent
     * @param thrown  whether the handler threw
     */
    void serverRequest(int instrumentation, String method, String path, String pattern, int status,
                       long durationNanos, boolean thrown);

    /** The statement fingerprint (verb and first table) of {@code sql}. */
    String fingerprint(String sql);

    /** A JDBC execution; {@code fingerprint} from {@link #fingerprint}. */
    void query(String fingerprint, long durationNanos, boolean error);

    /**
     * An outbound HTTP call, completed.
     *
     * @param response the client's response object (a {@code java.net.http.HttpResponse}) or null
     */
    void outbound(String host, Object response, long durationNanos, boolean thrown);

    /** An instrumentation's own code failed; the call it watched went on unchanged. */
    void failed(int instrumentation, Throwable failure);
}
