package dev.vigil.testing;

import dev.vigil.stack.EmbeddedStack;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: one {@link EmbeddedStack} for the whole test run of a JVM, shared by every test
 * class that uses it, stopped when the run ends. Starting Kafka, PostgreSQL and Redis once instead of
 * per class keeps the suite fast; classes isolate themselves with their own topics and databases.
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedStackExtension.class)
 * class MyIT {
 *     @BeforeAll static void setUp(EmbeddedStack stack) { ... }
 * }
 * }</pre>
 */
public final class EmbeddedStackExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(EmbeddedStackExtension.class);

    /** Topics every shared stack has, matching what {@code vigil stack} creates. */
    public static final String EVENTS_TOPIC = "metrics.events";
    public static final String DLQ_TOPIC = "metrics.events.dlq";

    @Override
    public void beforeAll(ExtensionContext context) {
        stack(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == EmbeddedStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return stack(extension);
    }

    private static EmbeddedStack stack(ExtensionContext context) {
        // The root store outlives every class; it closes the stack (a CloseableResource) at the end of the run.
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("stack", key -> new SharedStack(
                        EmbeddedStack.builder().topic(EVENTS_TOPIC, 4).topic(DLQ_TOPIC, 1).start()),
                        SharedStack.class)
                .stack();
    }

    private record SharedStack(EmbeddedStack stack) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            stack.close();
        }
    }
}
