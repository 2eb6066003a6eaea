package dev.vigil.bench.pipeline;

import dev.vigil.events.EventCodec;
import dev.vigil.jobs.kafka.KafkaRecordDecoder;
import dev.vigil.jobs.kafka.EventTimeLimits;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The {@code raw} reference: the topic read by plain {@link KafkaConsumer} loops, one per thread (the
 * job's parallelism), each with a share of the partitions, every record decoded by the job's own decoder
 * ({@link KafkaRecordDecoder#decode}); no Flink. What decode-only costs on top of this is Flink's source
 * path (split readers, record emission, watermarks, the operator chain).
 */
final class RawConsumerRun {

    private RawConsumerRun() {
    }

    /** What one pass read: records, and how many of them decoded to a valid event. */
    record Counts(long records, long valid) {
    }

    /** Reads the whole topic once. */
    static Counts readAll(String bootstrap, String topic, int threads, EventTimeLimits limits) throws Exception {
        List<TopicPartition> partitions = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> meta = consumer(bootstrap)) {
            for (PartitionInfo p : meta.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Counts>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<TopicPartition> mine = new ArrayList<>();
                for (int i = t; i < partitions.size(); i += threads) {
                    mine.add(partitions.get(i));
                }
                parts.add(pool.submit(() -> readPartitions(bootstrap, mine, limits)));
            }
            long records = 0;
            long valid = 0;
            for (Future<Counts> f : parts) {
                Counts c = f.get();
                records += c.records();
                valid += c.valid();
            }
            return new Counts(records, valid);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Counts readPartitions(String bootstrap, List<TopicPartition> partitions, EventTimeLimits limits) {
        if (partitions.isEmpty()) {
            return new Counts(0, 0);
        }
        EventCodec codec = new EventCodec();
        long records = 0;
        long valid = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<TopicPartition> open = new ArrayList<>(partitions);
            while (!open.isEmpty()) {
                long now = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    records++;
                    if (KafkaRecordDecoder.decode(codec, limits, now, r.key(), r.value()).isValid()) {
                        valid++;
                    }
                }
                open.removeIf(p -> consumer.position(p) >= end.get(p));
            }
        }
        return new Counts(records, valid);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
