package dev.vigil.agent.javaagent;

import dev.vigil.agent.bootstrap.VigilHooks;
import net.bytebuddy.asm.Advice;

/** Inlined into {@code Connection.prepareStatement/prepareCall(String sql, …)}: remembers the statement's SQL. */
final class JdbcPrepareAdvice {

    private JdbcPrepareAdvice() {
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.Argument(0) String sql, @Advice.Return Object statement) {
        VigilHooks.prepared(statement, sql);
    }
}
