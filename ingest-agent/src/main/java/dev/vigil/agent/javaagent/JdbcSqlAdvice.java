package dev.vigil.agent.javaagent;

import dev.vigil.agent.bootstrap.VigilHooks;
import net.bytebuddy.asm.Advice;

/** Inlined into {@code Statement.execute*(String sql, …)}: one query event named by the SQL's fingerprint. */
final class JdbcSqlAdvice {

    private JdbcSqlAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static long enter() {
        return VigilHooks.enter(VigilHooks.JDBC);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter long token, @Advice.Argument(0) String sql, @Advice.Thrown Throwable thrown) {
        long nanos = VigilHooks.exit(VigilHooks.JDBC, token);
        if (nanos >= 0) {
            VigilHooks.query(sql, nanos, thrown != null);
        }
    }
}
