package dev.vigil.sinks.postgres;

import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(EmbeddedStackExtension.class)
class PartitionCreationIT {

    /**
     * Two writers need the same new partition: the second waits for the first, then finds the partition
     * the first created instead of failing its batch with "relation ... already exists".
     */
    @Test
    void aWriterThatWaitedForAnotherToCreateThePartitionUsesIt(EmbeddedStack stack) throws Exception {
        String url = PostgresUrl.toJdbc(stack.postgres().createDatabase("partition_race"));
        SchemaMigrator.migrate(url);
        try (Connection first = DriverManager.getConnection(url); Connection second = DriverManager.getConnection(url);
             Connection observer = DriverManager.getConnection(url)) {
            first.setAutoCommit(false);
            // The first writer is inside vigil_ensure_partition, holding its lock, about to create the table.
            query(first, "SELECT pg_advisory_xact_lock(hashtext('vigil_partitions'))");
            int secondPid = Integer.parseInt(query(second, "SELECT pg_backend_pid()"));

            CompletableFuture<String> secondCreates = CompletableFuture.supplyAsync(() -> {
                try {
                    return query(second, "SELECT vigil_ensure_partition('metric_windows', '2020-01-01T11:00Z')");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> "advisory".equals(query(observer,
                    "SELECT wait_event FROM pg_stat_activity WHERE pid = " + secondPid)));

            assertThat(query(first, "SELECT vigil_ensure_partition('metric_windows', '2020-01-01T10:00Z')"))
                    .isEqualTo("metric_windows_p20200101");
            first.commit();

            assertThat(secondCreates.get(30, TimeUnit.SECONDS)).isEqualTo("metric_windows_p20200101");
            assertThat(query(observer, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'metric_windows'::regclass "
                    + "AND inhrelid = 'metric_windows_p20200101'::regclass")).isEqualTo("1");
        }
    }

    private static String query(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
