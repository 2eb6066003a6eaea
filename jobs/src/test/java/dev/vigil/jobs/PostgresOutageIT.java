package dev.vigil.jobs;

import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL away for 45 s — longer than the old restart budget (10 restarts 1 s apart gave up about
 * 30 s into an outage): the running job restarts with growing delays, resumes when the database is
 * back, and every window written around the outage is exact.
 */
@ExtendWith(EmbeddedStackExtension.class)
@Execution(ExecutionMode.CONCURRENT) // waits out its outage beside the other ITs (jobs/pom.xml)
class PostgresOutageIT {

    static final long T0 = RunningJob.T0;
    static final String TOPIC = "outage.events"; // RunningJob names it after the database

    @Test
    void theJobRidesOutAPostgresOutageLongerThanTheOldRestartBudget(EmbeddedStack stack, @TempDir Path dir)
            throws Exception {
        PipelineConfig cfg = RunningJob.configure(stack, "outage").window(Duration.ofSeconds(10)).build();
        String db = cfg.postgres().jdbc();
        JobClient job = LocalRunner.startKeepingState(cfg, StateFolder.open(dir, "outage-it"), Optional.empty());
        try {
            produce(stack, 0, 1);                              // windows 0 and 1 (1 closes 0)
            await().atMost(Duration.ofSeconds(60)).until(() -> MetricWindowsTable.read(db).size() >= 2);

            setConnections(stack, false);                      // the outage begins
            produce(stack, 2, 3);                              // written by no one until it ends
            Thread.sleep(45_000);
            assertThat(job.getJobStatus().get()).as("still running (restarting) 45 s into the outage")
                    .isIn(JobStatus.RUNNING, JobStatus.RESTARTING, JobStatus.INITIALIZING, JobStatus.CREATED);
            setConnections(stack, true);                       // back

            produce(stack, 4, 5);
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> RunningJob.windowCounts(db).size() >= 5);  // windows 0-4 (5 is still open)
            Map<Long, Long> counts = RunningJob.windowCounts(db);
            for (long w = 0; w < 5; w++) {
                assertThat(counts.get(T0 + w * 10_000)).as("window " + w).isEqualTo(100L);
            }
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            setConnections(stack, true);
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }

    static void produce(EmbeddedStack stack, int first, int last) {
        RunningJob.produceWindows(stack.kafkaBootstrapServers(), TOPIC, first, last);
    }

    /** Opens or closes the database to new connections and ends the open ones: an outage of it alone. */
    static void setConnections(EmbeddedStack stack, boolean allowed) throws Exception {
        String superuser = stack.postgres().jdbcUrl("postgres").replaceFirst("\\?.*", "?user=postgres");
        try (Connection c = DriverManager.getConnection(superuser); Statement st = c.createStatement()) {
            st.execute("ALTER DATABASE outage WITH ALLOW_CONNECTIONS " + allowed);
            if (!allowed) {
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'outage'");
            }
        }
    }
}
