package dev.vigil.agent.javaagent;

import dev.vigil.agent.MetricsAgent;
import dev.vigil.agent.bootstrap.SqlHolder;
import dev.vigil.agent.bootstrap.VigilHooks;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.FieldAccessor;
import net.bytebuddy.utility.JavaModule;
import org.slf4j.Logger;

import java.lang.instrument.Instrumentation;
import java.util.concurrent.atomic.AtomicBoolean;

import static net.bytebuddy.matcher.ElementMatchers.any;
import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isBootstrapClassLoader;
import static net.bytebuddy.matcher.ElementMatchers.isExtensionClassLoader;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Wires the agent once the bootstrap bridge is in place: the recorder behind {@link VigilHooks}, then
 * one ByteBuddy transformer per instrumentation, each with its own listener so a class that cannot be
 * instrumented is named once, in words, and loads unchanged. Loaded by name from {@link VigilJavaAgent}
 * so that nothing here is linked before the bridge exists.
 */
public final class AgentInstaller {

    static final String FINGERPRINT_FIELD = "vigil$fingerprint";

    private AgentInstaller() {
    }

    /** Called reflectively by {@link VigilJavaAgent}. */
    public static void install(Instrumentation inst, AgentSettings settings, MetricsAgent agent, Logger log) {
        VigilHooks.install(new AgentRecorder(agent, settings.maxRoutes, log), settings.on);
        ClassLoader agentLoader = AgentInstaller.class.getClassLoader();
        if (settings.on[VigilHooks.HTTP_SERVER]) {
            // The JDK server runs every exchange through Filter.Chain.doFilter, whatever the handler is
            // (lambdas and method references included, which no agent can transform); handler classes
            // are instrumented too, for servers that call them some other way. Nested calls count once.
            jdkTypes(inst, log, VigilHooks.HTTP_SERVER, "com.sun.net.httpserver.")
                    .type(named("com.sun.net.httpserver.Filter$Chain"))
                    .transform(advice(agentLoader)
                            .advice(named("doFilter").and(takesArguments(1))
                                    .and(takesArgument(0, named("com.sun.net.httpserver.HttpExchange"))),
                                    HttpServerAdvice.class.getName()))
                    .installOn(inst);
            applicationTypes(log, VigilHooks.HTTP_SERVER)
                    .type(hasSuperType(named("com.sun.net.httpserver.HttpHandler")).and(not(isInterface())))
                    .transform(advice(agentLoader)
                            .advice(named("handle").and(takesArguments(1))
                                    .and(takesArgument(0, named("com.sun.net.httpserver.HttpExchange")))
                                    .and(not(isAbstract())), HttpServerAdvice.class.getName()))
                    .installOn(inst);
        }
        if (settings.on[VigilHooks.SERVLET]) {
            applicationTypes(log, VigilHooks.SERVLET)
                    .type(hasSuperType(named("jakarta.servlet.http.HttpServlet")))
                    .transform(advice(agentLoader)
                            .advice(named("service").and(takesArguments(2)).and(not(isAbstract()))
                                    .and(takesArgument(0, named("jakarta.servlet.ServletRequest"))
                                            .or(takesArgument(0, named("jakarta.servlet.http.HttpServletRequest")))),
                                    ServletAdvice.class.getName()))
                    .installOn(inst);
        }
        if (settings.on[VigilHooks.JDBC]) {
            applicationTypes(log, VigilHooks.JDBC)
                    .type(hasSuperType(named("java.sql.PreparedStatement")).and(not(isInterface())))
                    .transform((builder, type, loader, module, domain) -> builder
                            .defineField(FINGERPRINT_FIELD, String.class, Visibility.PRIVATE)
                            .implement(SqlHolder.class)
                            .intercept(FieldAccessor.ofField(FINGERPRINT_FIELD)))
                    .type(hasSuperType(named("java.sql.Statement")).and(not(isInterface())))
                    .transform(advice(agentLoader)
                            .advice(isPublic().and(not(isAbstract()))
                                    .and(namedOneOf("execute", "executeQuery", "executeUpdate", "executeLargeUpdate"))
                                    .and(takesArgument(0, String.class)), JdbcSqlAdvice.class.getName())
                            .advice(isPublic().and(not(isAbstract())).and(takesArguments(0))
                                    .and(namedOneOf("execute", "executeQuery", "executeUpdate", "executeLargeUpdate",
                                            "executeBatch", "executeLargeBatch")), JdbcExecuteAdvice.class.getName()))
                    .type(hasSuperType(named("java.sql.Connection")).and(not(isInterface())))
                    .transform(advice(agentLoader)
                            .advice(isPublic().and(not(isAbstract())).and(namedOneOf("prepareStatement", "prepareCall"))
                                    .and(takesArgument(0, String.class)), JdbcPrepareAdvice.class.getName()))
                    .installOn(inst);
        }
        if (settings.on[VigilHooks.HTTP_CLIENT]) {
            jdkTypes(inst, log, VigilHooks.HTTP_CLIENT, "jdk.internal.net.http.")
                    .type(hasSuperType(named("java.net.http.HttpClient")).and(not(isAbstract())))
                    .transform(advice(agentLoader)
                            .advice(named("send").and(isPublic()).and(takesArguments(2)), HttpClientSendAdvice.class.getName())
                            .advice(named("sendAsync").and(isPublic()).and(takesArgument(0, named("java.net.http.HttpRequest"))),
                                    HttpClientSendAsyncAdvice.class.getName()))
                    .installOn(inst);
        }
    }

    /**
     * JDK classes in the platform loader whose names start with {@code prefix}, and the service's own
     * classes. They may already be loaded, so they are retransformed (advice only, no new members), and
     * their modules are made to read the bridge's (the bootstrap loader's unnamed module).
     */
    private static AgentBuilder jdkTypes(Instrumentation inst, Logger log, int instrumentation, String prefix) {
        return new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(new FailureLog(log, instrumentation))
                .ignore(not(nameStartsWith(prefix)), isBootstrapClassLoader().or(isExtensionClassLoader()))
                .or(ours())
                .assureReadEdgeTo(inst, VigilHooks.class);
    }

    /** Classes of the service's own class loaders (never the JDK's, never the agent's). */
    private static AgentBuilder applicationTypes(Logger log, int instrumentation) {
        return new AgentBuilder.Default()
                .with(new FailureLog(log, instrumentation))
                .ignore(any(), isBootstrapClassLoader().or(isExtensionClassLoader()))
                .or(ours());
    }

    private static net.bytebuddy.matcher.ElementMatcher.Junction<TypeDescription> ours() {
        return nameStartsWith("dev.vigil.agent.").or(nameStartsWith("net.bytebuddy.")).or(isSynthetic());
    }

    private static AgentBuilder.Transformer.ForAdvice advice(ClassLoader agentLoader) {
        return new AgentBuilder.Transformer.ForAdvice().include(agentLoader);
    }

    /** Names the first class an instrumentation could not apply to; that class loads unchanged. */
    private static final class FailureLog extends AgentBuilder.Listener.Adapter {
        private final Logger log;
        private final int instrumentation;
        private final AtomicBoolean reported = new AtomicBoolean();

        FailureLog(Logger log, int instrumentation) {
            this.log = log;
            this.instrumentation = instrumentation;
        }

        @Override
        public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded, Throwable throwable) {
            if (reported.compareAndSet(false, true)) {
                log.warn("could not instrument {} for {} ({}); it runs uninstrumented, and further classes this "
                                + "instrumentation cannot apply to are not logged",
                        typeName, AgentSettings.INSTRUMENTATIONS.get(instrumentation), throwable.toString());
            }
        }
    }
}
