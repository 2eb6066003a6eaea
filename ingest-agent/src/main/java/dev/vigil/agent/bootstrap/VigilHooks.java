package dev.vigil.agent.bootstrap;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The static entry points the agent's advice calls from inside instrumented methods.
 *
 * <p>Timing is nested per kind and thread: only the outermost call of a kind is recorded, so a filter
 * around a handler, a pool's statement wrapping the driver's, or the JDK client's facade wrapping its
 * implementation count once. {@link #enter} returns a token the advice hands back to {@link #exit}.
 *
 * <p>Nothing here throws into the service: the advice suppresses its own throwables, and a recorder
 * that fails is reported through {@link Recorder#failed} once per failure and skipped.
 */
public final class VigilHooks {

    public static final int HTTP_SERVER = 0;
    public static final int SERVLET = 1;
    public static final int JDBC = 2;
    public static final int HTTP_CLIENT = 3;
    public static final int INSTRUMENTATIONS = 4;

    /** The token of a call that is not timed at all (no recorder, or the instrumentation is off). */
    public static final long NOT_TIMED = Long.MIN_VALUE;
    /** The token of a call inside an outer call of the same kind. */
    public static final long NESTED = Long.MIN_VALUE + 1;

    private static final int KIND_SERVER = 0;
    private static final int KIND_QUERY = 1;
    private static final int KIND_OUTBOUND = 2;

    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[3]);
    /** Statements of classes that could not get a field (loaded before the agent): a locked map. */
    private static final Map<Object, String> UNFIELDED = Collections.synchronizedMap(new WeakHashMap<>());

    private static volatile Recorder recorder;
    private static final boolean[] ON = new boolean[INSTRUMENTATIONS];

    private VigilHooks() {
    }

    /** Starts recording; called once by the agent, after it has chosen the instrumentations. */
    public static synchronized void install(Recorder r, boolean[] on) {
        System.arraycopy(on, 0, ON, 0, INSTRUMENTATIONS);
        recorder = r;
    }

    public static long enter(int instrumentation) {
        if (recorder == null || !ON[instrumentation]) {
            return NOT_TIMED;
        }
        int[] depth = DEPTH.get();
        return depth[kind(instrumentation)]++ == 0 ? System.nanoTime() : NESTED;
    }

    /** The elapsed nanoseconds of an outermost call, or -1 for a call not to record. */
    public static long exit(int instrumentation, long token) {
        if (token == NOT_TIMED) {
            return -1;
        }
        DEPTH.get()[kind(instrumentation)]--;
        return token == NESTED ? -1 : Math.max(0, System.nanoTime() - token);
    }

    public static void serverRequest(int instrumentation, String method, String path, String pattern,
                                     int status, long durationNanos, boolean thrown) {
        Recorder r = recorder;
        try {
            r.serverRequest(instrumentation, method, path, pattern, status, durationNanos, thrown);
        } catch (Throwable t) {
            failed(instrumentation, t);
        }
    }

    /** A statement executed with its SQL as the argument. */
    public static void query(String sql, long durationNanos, boolean error) {
        Recorder r = recorder;
        try {
            r.query(r.fingerprint(sql), durationNanos, error);
        } catch (Throwable t) {
            failed(JDBC, t);
        }
    }

    /** A prepared statement (or a batch) executed; its SQL was seen when it was prepared. */
    public static void executed(Object statement, long durationNanos, boolean error) {
        Recorder r = recorder;
        try {
            String fingerprint = statement instanceof SqlHolder
                    ? ((SqlHolder) statement).vigil$fingerprint() : UNFIELDED.get(statement);
            r.query(fingerprint == null ? "STATEMENT" : fingerprint, durationNanos, error);
        } catch (Throwable t) {
            failed(JDBC, t);
        }
    }

    /** A connection prepared {@code statement} from {@code sql}. */
    public static void prepared(Object statement, String sql) {
        Recorder r = recorder;
        if (r == null || !ON[JDBC] || statement == null || sql == null) {
            return;
        }
        try {
            String fingerprint = r.fingerprint(sql);
            if (statement instanceof SqlHolder) {
                ((SqlHolder) statement).vigil$fingerprint(fingerprint);
            } else {
                UNFIELDED.put(statement, fingerprint);
            }
        } catch (Throwable t) {
            failed(JDBC, t);
        }
    }

    /** A synchronous outbound call returned or threw. */
    public static void outbound(String host, Object response, long durationNanos, boolean thrown) {
        Recorder r = recorder;
        try {
            r.outbound(host, response, durationNanos, thrown);
        } catch (Throwable t) {
            failed(HTTP_CLIENT, t);
        }
    }

    /** An asynchronous outbound call started at {@code startNanos}; recorded when {@code future} completes. */
    public static void outboundAsync(String host, CompletableFuture<?> future, long startNanos) {
        if (future != null) {
            future.whenComplete(new OutboundCompletion(host, startNanos));
        }
    }

    public static void failed(int instrumentation, Throwable failure) {
        Recorder r = recorder;
        if (r != null) {
            try {
                r.failed(instrumentation, failure);
            } catch (Throwable ignored) {
                // the recorder's own report failed; nothing else can be done without risking the service
            }
        }
    }

    private static int kind(int instrumentation) {
        switch (instrumentation) {
            case JDBC:
                return KIND_QUERY;
            case HTTP_CLIENT:
                return KIND_OUTBOUND;
            default:
                return KIND_SERVER;
        }
    }

    /** Records an asynchronous call when its future completes; attached, never replacing the future. */
    private static final class OutboundCompletion implements BiConsumer<Object, Throwable> {
        private final String host;
        private final long startNanos;

        OutboundCompletion(String host, long startNanos) {
            this.host = host;
            this.startNanos = startNanos;
        }

        @Override
        public void accept(Object response, Throwable thrown) {
            outbound(host, response, Math.max(0, System.nanoTime() - startNanos), thrown != null);
        }
    }
}
