package dev.vigil.jobs;

import dev.vigil.events.Topics;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A running job (what {@code vigil run} runs) fed what a broken producer sends, between ordinary
 * traffic: one event stamped in the year 3000 and one record near the broker's 1 MB limit. Before, the
 * first moved the watermark to the year 3000 and every later event went to the DLQ as late; the second,
 * copied whole with its headers, could exceed the DLQ producer's request size. Now every ordinary window
 * is exact, and the DLQ holds exactly those two records, each with its reason.
 */
@ExtendWith(EmbeddedStackExtension.class)
class HostileInputIT {

    static final long T0 = RunningJob.T0;

    @Test
    void oneEventFromTheYear3000AndOneHugeRecordCostNoOrdinaryEvent(EmbeddedStack stack, @TempDir Path dir)
            throws Exception {
        PipelineConfig cfg = RunningJob.configure(stack, "hostile").window(Duration.ofSeconds(10)).build();
        String db = cfg.postgres().jdbc();
        String topic = cfg.eventsTopic();
        String bootstrap = stack.kafkaBootstrapServers();
        long year3000 = Instant.parse("3000-01-01T00:00:00Z").toEpochMilli();
        byte[] broken = utf8("{\"type\":\"request\",\"ts\":" + year3000
                + ",\"service\":\"svc\",\"name\":\"GET /x\",\"duration_ms\":5,\"status\":200}");
        byte[] huge = utf8("{\"type\":\"cache\",\"ts\":" + T0 + ",\"service\":\"svc\",\"name\":\"c\",\"hit\":true,\"pad\":\""
                + "x".repeat(900_000) + "\"}");

        JobClient job = LocalRunner.startKeepingState(cfg, StateFolder.open(dir, "hostile-it"), Optional.empty());
        try {
            RunningJob.produceWindows(bootstrap, topic, 0, 1);
            KafkaTestSupport.produce(bootstrap, List.of(new ProducerRecord<>(topic, utf8("svc"), broken),
                    new ProducerRecord<>(topic, utf8("svc"), huge)));
            RunningJob.produceWindows(bootstrap, topic, 2, 5);

            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> RunningJob.windowCounts(db).size() >= 5);  // windows 0-4 (5 is still open)
            Map<Long, Long> counts = RunningJob.windowCounts(db);
            for (long w = 0; w < 5; w++) {
                assertThat(counts.get(T0 + w * 10_000)).as("window " + w).isEqualTo(100L);
            }

            List<ConsumerRecord<byte[], byte[]>> dlq = KafkaTestSupport.readAll(bootstrap, cfg.deadLetterTopic());
            assertThat(dlq).hasSize(2);
            ConsumerRecord<byte[], byte[]> future = dlq.get(0);
            assertThat(future.value()).isEqualTo(broken);
            assertThat(header(future, Topics.ERROR_HEADER)).matches("ts is 97\\d years in the future \\(max skew 10m\\)");
            ConsumerRecord<byte[], byte[]> cut = dlq.get(1);
            assertThat(header(cut, Topics.ERROR_HEADER)).isEqualTo("value is " + huge.length + " bytes, over the 65536-byte limit");
            assertThat(cut.value()).hasSize(65_536);
            assertThat(header(cut, Topics.TRUNCATED_HEADER)).isEqualTo("value: " + huge.length + " bytes, the first 65536 kept");
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
