package dev.vigil.agent.javaagent;

import dev.vigil.agent.bootstrap.VigilHooks;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code service} of every {@code jakarta.servlet.http.HttpServlet}: one request event per
 * request, named by the pattern a framework matched when it exposes one (Spring MVC's best matching
 * pattern), else by the request's path with identifiers replaced.
 */
final class ServletAdvice {

    /** The request attribute Spring MVC stores the matched route pattern in. */
    static final String SPRING_PATTERN = "org.springframework.web.servlet.HandlerMapping.bestMatchingPattern";

    private ServletAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static long enter() {
        return VigilHooks.enter(VigilHooks.SERVLET);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter long token, @Advice.Argument(0) ServletRequest request,
                     @Advice.Argument(1) ServletResponse response, @Advice.Thrown Throwable thrown) {
        long nanos = VigilHooks.exit(VigilHooks.SERVLET, token);
        if (nanos < 0 || !(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
            return;
        }
        try {
            HttpServletRequest http = (HttpServletRequest) request;
            Object pattern = http.getAttribute("org.springframework.web.servlet.HandlerMapping.bestMatchingPattern");
            VigilHooks.serverRequest(VigilHooks.SERVLET, http.getMethod(), http.getRequestURI(),
                    pattern instanceof String ? (String) pattern : null,
                    ((HttpServletResponse) response).getStatus(), nanos, thrown != null);
        } catch (Throwable t) {
            VigilHooks.failed(VigilHooks.SERVLET, t);
        }
    }
}
