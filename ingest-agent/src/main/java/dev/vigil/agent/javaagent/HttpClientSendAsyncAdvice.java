package dev.vigil.agent.javaagent;

import dev.vigil.agent.bootstrap.VigilHooks;
import net.bytebuddy.asm.Advice;

import java.net.http.HttpRequest;
import java.util.concurrent.CompletableFuture;

/**
 * Inlined into {@code java.net.http.HttpClient.sendAsync}: the call is timed until its future completes,
 * by a completion attached to the future the caller gets (never a replacement for it).
 */
final class HttpClientSendAsyncAdvice {

    private HttpClientSendAsyncAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static long enter() {
        return VigilHooks.enter(VigilHooks.HTTP_CLIENT);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter long token, @Advice.Argument(0) HttpRequest request,
                     @Advice.Return CompletableFuture<?> future, @Advice.Thrown Throwable thrown) {
        long nanos = VigilHooks.exit(VigilHooks.HTTP_CLIENT, token);
        if (nanos < 0) {
            return;
        }
        try {
            if (thrown != null) {
                VigilHooks.outbound(request.uri().getHost(), null, nanos, true);
            } else {
                VigilHooks.outboundAsync(request.uri().getHost(), future, token);
            }
        } catch (Throwable t) {
            VigilHooks.failed(VigilHooks.HTTP_CLIENT, t);
        }
    }
}
