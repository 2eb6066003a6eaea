package dev.vigil.agent.javaagent;

import com.sun.net.httpserver.HttpExchange;
import dev.vigil.agent.bootstrap.VigilHooks;
import net.bytebuddy.asm.Advice;

/** Inlined into every {@code com.sun.net.httpserver.HttpHandler.handle}: one request event per exchange. */
final class HttpServerAdvice {

    private HttpServerAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static long enter() {
        return VigilHooks.enter(VigilHooks.HTTP_SERVER);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter long token, @Advice.Argument(0) HttpExchange exchange,
                     @Advice.Thrown Throwable thrown) {
        long nanos = VigilHooks.exit(VigilHooks.HTTP_SERVER, token);
        if (nanos < 0) {
            return;
        }
        try {
            VigilHooks.serverRequest(VigilHooks.HTTP_SERVER, exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(), null, exchange.getResponseCode(), nanos, thrown != null);
        } catch (Throwable t) {
            VigilHooks.failed(VigilHooks.HTTP_SERVER, t);
        }
    }
}
