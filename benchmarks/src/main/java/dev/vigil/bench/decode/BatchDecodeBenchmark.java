package dev.vigil.bench.decode;

import dev.vigil.events.EventBatch;
import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;
import dev.vigil.jobs.kafka.EventTimeLimits;
import dev.vigil.jobs.kafka.KafkaRecordDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * The same valid requests as {@link DecodeBenchmark}'s, sent the way the agent sends them: in batch
 * records of {@value #PER_RECORD} events of one service and instance. Reports nanoseconds per event,
 * so it compares with {@link DecodeBenchmark} at {@code invalidShare=0} (one v1 record per event).
 */
@State(Scope.Thread)
public class BatchDecodeBenchmark {
    static final int PER_RECORD = 200;
    static final int RECORDS = 21; // one record per service and instance, as the agent's batches arrive
    static final int EVENTS = PER_RECORD * RECORDS;

    private final EventCodec codec = new EventCodec();
    private final EventTimeLimits limits = EventTimeLimits.DEFAULTS;
    private byte[][] keys;
    private byte[][] values;

    @Setup
    public void setUp() {
        Random r = new Random(11);
        String[] routes = {"GET /cart/{id}", "POST /checkout", "GET /search", "GET /items/{id}"};
        keys = new byte[RECORDS][];
        values = new byte[RECORDS][];
        for (int k = 0; k < RECORDS; k++) {
            String service = "svc-" + (k % 7);
            String instance = "inst-" + (k % 3);
            EventBatch.Writer w = new EventBatch.Writer(service, instance);
            for (int i = 0; i < PER_RECORD; i++) {
                w.add(MetricEvent.request(DecodeBenchmark.NOW - r.nextInt(60_000), service, routes[i % 4], instance,
                        Math.round(Math.exp(3 + 0.8 * r.nextGaussian()) * 1000) / 1000.0,
                        r.nextDouble() < 0.02 ? 503 : 200, null));
            }
            keys[k] = service.getBytes(StandardCharsets.UTF_8);
            values[k] = w.finish();
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void decodeBatches(Blackhole bh) {
        for (int i = 0; i < RECORDS; i++) {
            KafkaRecordDecoder.decodeRecord(codec, limits, DecodeBenchmark.NOW, keys[i], values[i], bh::consume);
        }
    }

    /** Record bytes per event in these batches (for the report). */
    public static double bytesPerEvent() {
        BatchDecodeBenchmark b = new BatchDecodeBenchmark();
        b.setUp();
        long bytes = 0;
        for (byte[] v : b.values) {
            bytes += v.length;
        }
        return (double) bytes / EVENTS;
    }
}
