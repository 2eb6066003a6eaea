package dev.vigil.agent.javaagent;

import dev.vigil.agent.MetricsAgent;
import dev.vigil.agent.bootstrap.VigilHooks;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

/**
 * The -javaagent's recording side without ByteBuddy, for measuring what its advice costs a request (the
 * benchmarks use it through this module's test-jar): {@link VigilHooks} reporting to the recorder the
 * agent installs, with every instrumentation on. Lives in the agent's package because the recorder is
 * deliberately not public.
 */
public final class BenchmarkHooks {
    private BenchmarkHooks() {
    }

    /** Makes {@link VigilHooks} record into {@code agent}, as the installed agent does. */
    public static void install(MetricsAgent agent) {
        boolean[] on = new boolean[VigilHooks.INSTRUMENTATIONS];
        Arrays.fill(on, true);
        VigilHooks.install(new AgentRecorder(agent, AgentSettings.DEFAULT_MAX_ROUTES,
                LoggerFactory.getLogger(BenchmarkHooks.class)), on);
    }
}
