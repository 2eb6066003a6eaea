package dev.vigil.jobs;

import dev.vigil.stack.EmbeddedKafkaBroker;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.stack.TopicSpec;
import dev.vigil.testing.EmbeddedStackExtension;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Kafka away for 45 s under a running job (a broker of its own, stopped and started again with its
 * data): the job keeps running, and the windows around the outage are exact once the broker is back.
 */
@ExtendWith(EmbeddedStackExtension.class)
@Execution(ExecutionMode.CONCURRENT) // waits out its outage beside the other ITs (jobs/pom.xml)
class KafkaOutageIT {

    static final long T0 = RunningJob.T0;

    @Test
    void theJobRidesOutAKafkaOutage(EmbeddedStack stack, @TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(Files.createDirectories(dir.resolve("kafka")), port)) {
            kafka.createTopics(List.of(new TopicSpec("kafka_outage.events", 1), new TopicSpec("kafka_outage.events.dlq", 1)));
            PipelineConfig cfg = RunningJob.configure(stack, "kafka_outage").kafka(kafka.bootstrapServers())
                    .window(Duration.ofSeconds(10)).build();
            String db = cfg.postgres().jdbc();
            JobClient job = LocalRunner.startKeepingState(cfg, StateFolder.open(dir.resolve("state"), "kafka-outage"),
                    Optional.empty());
            try {
                produce(kafka, 0, 1);
                await().atMost(Duration.ofSeconds(60)).until(() -> RunningJob.windowCounts(db).size() >= 1);   // window 0 written
                Thread.sleep(2_000);

                kafka.stopBroker();                                                           // the outage
                long down = System.nanoTime();
                assertThatThrownBy(() -> Preflight.checkEventsTopic(cfg)).as("no broker answers")
                        .hasMessageStartingWith("cannot reach Kafka at " + kafka.bootstrapServers());
                Thread.sleep(Math.max(0, 45_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - down)));
                assertThat(job.getJobStatus().get()).as("45 s without Kafka")
                        .isIn(JobStatus.RUNNING, JobStatus.RESTARTING, JobStatus.INITIALIZING, JobStatus.CREATED);
                kafka.restartBroker();

                produce(kafka, 2, 4);
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> RunningJob.windowCounts(db).size() >= 4);                                 // windows 0-3
                Thread.sleep(1_000);
                Map<Long, Long> counts = RunningJob.windowCounts(db);
                for (long w = 0; w < 4; w++) {
                    assertThat(counts.get(T0 + w * 10_000)).as("window " + w).isEqualTo(100L);
                }
                assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            } finally {
                job.cancel().get(60, TimeUnit.SECONDS);
            }
        }
    }

    static void produce(EmbeddedKafkaBroker kafka, int first, int last) {
        RunningJob.produceWindows(kafka.bootstrapServers(), "kafka_outage.events", first, last);
    }
}
