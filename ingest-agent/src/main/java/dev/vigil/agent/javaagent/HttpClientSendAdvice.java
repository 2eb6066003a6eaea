package dev.vigil.agent.javaagent;

import dev.vigil.agent.bootstrap.VigilHooks;
import net.bytebuddy.asm.Advice;

import java.net.http.HttpRequest;

/** Inlined into {@code java.net.http.HttpClient.send}: one scraper event named by the target host. */
final class HttpClientSendAdvice {

    private HttpClientSendAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static long enter() {
        return VigilHooks.enter(VigilHooks.HTTP_CLIENT);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter long token, @Advice.Argument(0) HttpRequest request,
                     @Advice.Return Object response, @Advice.Thrown Throwable thrown) {
        long nanos = VigilHooks.exit(VigilHooks.HTTP_CLIENT, token);
        if (nanos < 0) {
            return;
        }
        try {
            VigilHooks.outbound(request.uri().getHost(), response, nanos, thrown != null);
        } catch (Throwable t) {
            VigilHooks.failed(VigilHooks.HTTP_CLIENT, t);
        }
    }
}
