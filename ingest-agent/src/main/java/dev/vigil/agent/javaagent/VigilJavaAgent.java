package dev.vigil.agent.javaagent;

import dev.vigil.agent.MetricsAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.instrument.Instrumentation;

/**
 * The {@code -javaagent} entry point:
 * {@code java -javaagent:vigil-ingest-agent-VERSION-javaagent.jar=service=shop,bootstrap.servers=host:9092 …}.
 * It records the service's inbound HTTP requests, JDBC statements and outbound HTTP calls through a
 * {@link MetricsAgent}, and flushes what it holds when the JVM exits normally.
 *
 * <p>It never stops the service from starting: a configuration mistake is logged in one line and the
 * service runs without the agent.
 *
 * <p>This class must not name the bootstrap bridge's classes (nor any class that does): the JVM would
 * load them from the agent jar before {@link BootstrapBridge} puts them on the bootstrap class path.
 */
public final class VigilJavaAgent {

    /** Named as a string: a class literal could link the installer, and with it the bridge, too early. */
    private static final String INSTALLER = "dev.vigil.agent.javaagent.AgentInstaller";

    private static boolean started;

    private VigilJavaAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst);
    }

    private static synchronized void start(String args, Instrumentation inst) {
        if (started) {
            return;
        }
        started = true;
        quietLogging();
        Logger log = LoggerFactory.getLogger("vigil-agent");
        AgentSettings settings;
        MetricsAgent agent;
        try {
            settings = AgentSettings.parse(args, System.getenv());
            agent = settings.agentBuilder().build();
        } catch (IllegalArgumentException e) {
            log.error("not started: {}; the service runs without it", e.getMessage());
            return;
        }
        try {
            BootstrapBridge.install(inst);
            Class.forName(INSTALLER, true, VigilJavaAgent.class.getClassLoader())
                    .getMethod("install", Instrumentation.class, AgentSettings.class, MetricsAgent.class, Logger.class)
                    .invoke(null, inst, settings, agent, log);
        } catch (Throwable t) {
            log.error("not started: could not install the instrumentations ({}); the service runs without them", t.toString());
            agent.close();
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "vigil-agent-shutdown"));
        log.info("started: {}", settings.describe());
    }

    /**
     * The agent's logging (a relocated slf4j-simple, so it never meets the service's own logging) writes
     * to standard error: its own lines at info, the Kafka client's only from error up. A system property
     * the user set wins.
     */
    private static void quietLogging() {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.vigil-agent", "info");
        setIfAbsent("org.slf4j.simpleLogger.log.dev.vigil.agent.shaded.kafka", "error");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
