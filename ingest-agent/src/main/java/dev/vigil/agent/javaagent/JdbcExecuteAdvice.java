package dev.vigil.agent.javaagent;

import dev.vigil.agent.bootstrap.VigilHooks;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into the argument-less {@code execute*()} of statements (a prepared statement, a batch): the
 * fingerprint is the one {@link JdbcPrepareAdvice} stored when the statement was prepared.
 */
final class JdbcExecuteAdvice {

    private JdbcExecuteAdvice() {
    }

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static long enter() {
        return VigilHooks.enter(VigilHooks.JDBC);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter long token, @Advice.This Object statement, @Advice.Thrown Throwable thrown) {
        long nanos = VigilHooks.exit(VigilHooks.JDBC, token);
        if (nanos >= 0) {
            VigilHooks.executed(statement, nanos, thrown != null);
        }
    }
}
