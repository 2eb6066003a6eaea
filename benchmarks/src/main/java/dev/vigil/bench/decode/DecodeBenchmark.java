package dev.vigil.bench.decode;

import dev.vigil.events.EventCodec;
import dev.vigil.events.MetricEvent;
import dev.vigil.jobs.kafka.EventTimeLimits;
import dev.vigil.jobs.kafka.KafkaRecordDecoder;
import dev.vigil.model.Decoded;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The source's per-record decision ({@link KafkaRecordDecoder#decode}: v1 codec and event-time limits)
 * over a stream with a share of invalid records, so that what an invalid record costs the stream can be
 * read off: with valid-only cost V and invalid-only cost I, a 50% mix should cost (V + I) / 2 if invalid
 * records cost no more than their own decoding.
 */
@State(Scope.Thread)
public class DecodeBenchmark {
    static final int RECORDS = 4096;
    static final long NOW = 1_800_000_000_000L;

    /** The share of invalid records in the stream. */
    @Param({"0", "0.5", "1"})
    public double invalidShare;

    private final EventCodec codec = new EventCodec();
    private final EventTimeLimits limits = EventTimeLimits.DEFAULTS;
    private byte[][] keys;
    private byte[][] values;

    /** The kinds of bad record a broken producer sends, one reason each. */
    static List<byte[]> invalidKinds() {
        String ok = "{\"type\":\"request\",\"ts\":" + (NOW - 5_000) + ",\"service\":\"checkout\",\"name\":\"GET /cart/{id}\","
                + "\"duration_ms\":12.5,\"status\":200,\"method\":\"GET\"}";
        List<String> texts = List.of(
                "not json at all",                                       // syntax
                ok.substring(0, ok.length() / 2),                        // truncated
                ok.replace("\"ts\":" + (NOW - 5_000) + ",", ""),         // missing field
                ok.replace("12.5", "\"12.5\""),                          // wrong type
                ok.replace("200", "700"),                                // out of range
                ok.replace("\"ts\":" + (NOW - 5_000), "\"ts\":32503680000000"), // the year 3000
                ok.replace("\"ts\":", "\"ts\":1,\"ts\":"),                // duplicate field
                ok.replace("checkout", "check\\ud800out"),               // unpaired surrogate
                "{\"type\":\"trace\",\"ts\":1}");                         // unknown type
        List<byte[]> out = new ArrayList<>();
        texts.forEach(t -> out.add(t.getBytes(StandardCharsets.UTF_8)));
        out.add(new byte[] {'{', '"', 'x', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}); // invalid UTF-8
        return out;
    }

    @Setup
    public void setUp() {
        Random r = new Random(11);
        List<byte[]> bad = invalidKinds();
        List<byte[][]> records = new ArrayList<>();
        String[] routes = {"GET /cart/{id}", "POST /checkout", "GET /search", "GET /items/{id}"};
        int invalid = (int) Math.round(RECORDS * invalidShare);
        for (int i = 0; i < RECORDS; i++) {
            byte[] key = ("svc-" + (i % 7)).getBytes(StandardCharsets.UTF_8);
            byte[] value = i < invalid ? bad.get(i % bad.size())
                    : codec.encode(MetricEvent.request(NOW - r.nextInt(60_000), "svc-" + (i % 7), routes[i % 4],
                            "inst-" + (i % 3), Math.round(Math.exp(3 + 0.8 * r.nextGaussian()) * 1000) / 1000.0,
                            r.nextDouble() < 0.02 ? 503 : 200, "GET"));
            records.add(new byte[][] {key, value});
        }
        Collections.shuffle(records, r); // interleaved, as a burst arrives
        keys = new byte[RECORDS][];
        values = new byte[RECORDS][];
        for (int i = 0; i < RECORDS; i++) {
            keys[i] = records.get(i)[0];
            values[i] = records.get(i)[1];
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void decode(Blackhole bh) {
        for (int i = 0; i < RECORDS; i++) {
            Decoded d = KafkaRecordDecoder.decode(codec, limits, NOW, keys[i], values[i]);
            bh.consume(d);
        }
    }
}
