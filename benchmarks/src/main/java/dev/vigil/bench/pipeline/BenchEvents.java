package dev.vigil.bench.pipeline;

import dev.vigil.events.CacheLevel;
import dev.vigil.events.EventBatch;
import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;

/**
 * The benchmark's input: {@code n} v1 events over about {@code series} series (services × names × the
 * four types), log-normal latencies, a few percent errors and cache misses, event times over 30 minutes
 * with up to 2 s of disorder. Generated and produced in one pass, so 5 M events never sit in memory.
 */
final class BenchEvents {
    static final long START = 1_700_000_000_000L - Math.floorMod(1_700_000_000_000L, 60_000L);
    static final long SPAN_MS = 30 * 60_000L;
    private static final String[] TYPES = {"request", "query", "cache", "scraper"};

    private BenchEvents() {
    }

    /** How many events of one service go into a batch record: about 10 ms of a busy service's agent. */
    static final int PER_BATCH = 100;

    /** Produces the events, one v1 record each; returns how many were written. */
    static long produce(String bootstrap, String topic, long n, int series) {
        return produce(bootstrap, topic, n, series, false);
    }

    /**
     * Produces the same events; with {@code batches}, as the agent sends them: {@value #PER_BATCH} events
     * of a service to a record in the batch format (the last records of each service hold the rest).
     */
    static long produce(String bootstrap, String topic, long n, int series, boolean batches) {
        int namesPerService = 25;
        int services = Math.max(1, series / (namesPerService * TYPES.length));
        Random r = new Random(7);
        EventCodec codec = new EventCodec();
        byte[][] serviceKeys = new byte[services][];
        String[] serviceNames = new String[services];
        for (int s = 0; s < services; s++) {
            serviceNames[s] = "svc-" + s;
            serviceKeys[s] = serviceNames[s].getBytes(StandardCharsets.UTF_8);
        }
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024,
                ProducerConfig.ACKS_CONFIG, "1");
        EventBatch.Writer[] writers = new EventBatch.Writer[services];
        for (int s = 0; s < services; s++) {
            writers[s] = new EventBatch.Writer(serviceNames[s], null);
        }
        try (var producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < n; i++) {
                long ts = START + (long) ((double) i / n * SPAN_MS) - r.nextInt(2_000);
                int s = r.nextInt(services);
                String name = "n-" + r.nextInt(namesPerService);
                double ms = Math.round(Math.exp(Math.log(30) + 0.8 * r.nextGaussian()) * 1000) / 1000.0;
                boolean error = r.nextDouble() < 0.02;
                MetricEvent e = switch (TYPES[r.nextInt(TYPES.length)]) {
                    case "request" -> MetricEvent.request(Math.max(START, ts), serviceNames[s], "GET /" + name, null,
                            ms, error ? 503 : 200, "GET");
                    case "query" -> MetricEvent.query(Math.max(START, ts), serviceNames[s], "SELECT " + name, null,
                            ms / 10, error, 1);
                    case "cache" -> MetricEvent.cache(Math.max(START, ts), serviceNames[s], "cache-" + name, null,
                            r.nextDouble() < 0.9, CacheLevel.L1, ms / 100, false);
                    default -> MetricEvent.scrape(Math.max(START, ts), serviceNames[s], "site-" + name, null,
                            ms * 40, error, 3);
                };
                if (!batches) {
                    producer.send(new ProducerRecord<>(topic, serviceKeys[s], codec.encode(e)));
                    continue;
                }
                writers[s].add(e);
                if (writers[s].size() == PER_BATCH) {
                    producer.send(new ProducerRecord<>(topic, serviceKeys[s], writers[s].finish()));
                }
            }
            for (int s = 0; s < services; s++) {
                if (writers[s].size() > 0) {
                    producer.send(new ProducerRecord<>(topic, serviceKeys[s], writers[s].finish()));
                }
            }
            producer.flush();
        }
        return n;
    }
}
