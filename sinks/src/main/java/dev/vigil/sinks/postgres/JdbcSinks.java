package dev.vigil.sinks.postgres;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * The JDBC connector's at-least-once sink, as every idempotent writer of Vigil configures it: one
 * statement (an insert that skips or an upsert, so a replay after a failure changes nothing), batched
 * and retried by {@link BatchSettings}.
 */
final class JdbcSinks {
    private JdbcSinks() {
    }

    /**
     * @param multiRowInserts let the driver send each batch as multi-row {@code INSERT}s
     *                        ({@code reWriteBatchedInserts}): one statement for up to 128 rows instead of
     *                        one each. Only for an insert that skips ({@code ON CONFLICT DO NOTHING}): an
     *                        upsert meeting the same key twice in one statement fails, where one
     *                        statement per row succeeds.
     */
    static <T> JdbcSink<T> idempotent(PostgresUrl url, BatchSettings batches, String sql, JdbcStatementBuilder<T> bind,
                                      boolean multiRowInserts) {
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder connection = new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(url.jdbc())
                .withDriverName("org.postgresql.Driver")
                .withConnectionCheckTimeoutSeconds(30);
        if (multiRowInserts) {
            connection.withProperty("reWriteBatchedInserts", "true");
        }
        return JdbcSink.<T>builder()
                .withQueryStatement(sql, bind)
                .withExecutionOptions(JdbcExecutionOptions.builder().withBatchSize(batches.batchSize())
                        .withBatchIntervalMs(batches.flushInterval().toMillis()).withMaxRetries(batches.maxRetries()).build())
                .buildAtLeastOnce(connection.build());
    }
}
