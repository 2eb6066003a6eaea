package dev.vigil.agent.javaagent;

import dev.vigil.agent.MetricsAgent;
import dev.vigil.agent.bootstrap.Recorder;
import dev.vigil.events.MetricEvent;
import org.slf4j.Logger;

import java.net.http.HttpResponse;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** Turns what the instrumentations saw into the agent's events. */
final class AgentRecorder implements Recorder {

    private static final int MAX_CACHED_STATEMENTS = 4_096;

    private final MetricsAgent agent;
    private final RouteNames routes;
    private final Logger log;
    private final ConcurrentHashMap<String, String> fingerprints = new ConcurrentHashMap<>();
    private final AtomicBoolean[] reported = new AtomicBoolean[AgentSettings.INSTRUMENTATIONS.size()];

    AgentRecorder(MetricsAgent agent, int maxRoutes, Logger log) {
        this.agent = agent;
        this.routes = new RouteNames(maxRoutes);
        this.log = log;
        for (int i = 0; i < reported.length; i++) {
            reported[i] = new AtomicBoolean();
        }
    }

    /**
     * A handler that threw is an error whatever it had sent; its status is the one sent if that was
     * already an error status, else 500 (what the server answers for it). A handler that returned
     * without sending a status is recorded as 500, as {@link dev.vigil.agent.RequestTimer} does.
     */
    @Override
    public void serverRequest(int instrumentation, String method, String path, String pattern, int status,
                              long durationNanos, boolean thrown) {
        boolean sent = MetricEvent.isValidStatus(status);
        int recorded = thrown ? (sent && status >= 400 ? status : 500) : (sent ? status : 500);
        agent.recordRequest(routes.name(method, path, pattern), recorded, durationNanos, thrown || recorded >= 500);
    }

    @Override
    public String fingerprint(String sql) {
        String cached = fingerprints.get(sql);
        if (cached != null) {
            return cached;
        }
        String fingerprint = SqlFingerprint.of(sql);
        if (fingerprints.size() < MAX_CACHED_STATEMENTS) {
            fingerprints.putIfAbsent(sql, fingerprint);
        }
        return fingerprint;
    }

    @Override
    public void query(String fingerprint, long durationNanos, boolean error) {
        agent.recordQuery(fingerprint, durationNanos, error);
    }

    /** An outbound call is an error when it threw or was answered with a 5xx, like a served request. */
    @Override
    public void outbound(String host, Object response, long durationNanos, boolean thrown) {
        int status = response instanceof HttpResponse ? ((HttpResponse<?>) response).statusCode() : 0;
        String name = host == null || host.isEmpty() ? "unknown"
                : host.length() > MetricEvent.MAX_NAME_LENGTH ? host.substring(0, MetricEvent.MAX_NAME_LENGTH) : host;
        agent.recordScrape(name, durationNanos, thrown || status >= 500);
    }

    @Override
    public void failed(int instrumentation, Throwable failure) {
        if (reported[instrumentation].compareAndSet(false, true)) {
            log.warn("the {} instrumentation failed while recording a call ({}); the call itself went on "
                            + "unchanged, and further failures of this instrumentation are not logged",
                    AgentSettings.INSTRUMENTATIONS.get(instrumentation), failure.toString());
        }
    }
}
