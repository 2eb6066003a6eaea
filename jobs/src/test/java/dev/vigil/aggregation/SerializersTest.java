package dev.vigil.aggregation;

import dev.vigil.events.CacheLevel;
import dev.vigil.alerting.RuleInput;
import dev.vigil.alerting.RuleInputSerializer;
import dev.vigil.events.MetricEvent;
import dev.vigil.model.Decoded;
import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The accumulators go through their own serializers, never Kryo, and survive a round trip intact. */
class SerializersTest {

    @Test
    void flinkPicksTheHandWrittenSerializers() {
        assertThat(TypeInformation.of(WindowAccumulator.class).createSerializer(new SerializerConfigImpl()))
                .isInstanceOf(WindowAccumulatorSerializer.class);
        assertThat(TypeInformation.of(SeriesWindow.class).createSerializer(new SerializerConfigImpl()))
                .isInstanceOf(SeriesWindowSerializer.class);
    }

    @Test
    void theJobsRowStreamsUseTheHandWrittenSerializers() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<Decoded> input = env.fromData(Decoded.valid(MetricEvent.request(1, "s", "r", null, 5, 200, "GET")));
        AggregationPipeline.Outputs outputs = AggregationPipeline.build(input, new AggregationSettings(
                Duration.ofSeconds(10), Duration.ZERO, 100, AggregationSettings.DEFAULT_MAX_BUFFERED_PARTIALS));
        SerializerConfigImpl config = new SerializerConfigImpl();
        assertThat(outputs.windows().getType().createSerializer(config)).isInstanceOf(MetricWindowSerializer.class);
        assertThat(outputs.rollups().getType().createSerializer(config)).isInstanceOf(MetricWindowSerializer.class);
    }

    @Test
    void seriesWindowRoundTrips() throws IOException {
        SeriesWindow w = new SeriesWindow(new SeriesKey("request", "api", "GET /ü/{id}"), 60_000, 120_000,
                sample(new Random(4), 500));
        SeriesWindow back = read(SeriesWindowSerializer.INSTANCE, write(SeriesWindowSerializer.INSTANCE, w));
        assertThat(back).isEqualTo(w);
    }

    @Test
    void metricWindowRoundTripsWithEveryFieldPresentOrAbsent() throws IOException {
        MetricWindow full = new MetricWindow("cache", "api", "plan_ü", 60_000, 120_000, 10, 1, 7L, 3L,
                0.1 + 0.2, 1e-300, 2.5, 3, 4, 5, 6, Double.MAX_VALUE, new long[] {1L << 40 | 3, 2L << 40 | 7});
        MetricWindow bare = new MetricWindow("request", "api", "*", 0, 3_600_000, 0, 0, null, null, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null);
        MetricWindow onlyMisses = new MetricWindow("cache", "s", "c", 0, 60_000, 2, 0, null, 2L, 1, 1, 1, 1, 1, 1, 1, 1,
                new long[0]);
        for (MetricWindow w : new MetricWindow[] {full, bare, onlyMisses}) {
            assertThat(read(MetricWindowSerializer.INSTANCE, write(MetricWindowSerializer.INSTANCE, w))).isEqualTo(w);
        }
        RuleInput input = new RuleInput("request-p95", full.withoutHistogram());
        assertThat(read(RuleInputSerializer.INSTANCE, write(RuleInputSerializer.INSTANCE, input))).isEqualTo(input);

        MetricWindow copy = MetricWindowSerializer.INSTANCE.copy(full);
        copy.latencyHist()[0] = 0;
        assertThat(full.latencyHist()[0]).as("a copy owns its histogram").isEqualTo(1L << 40 | 3);
    }

    @Test
    void windowAccumulatorRoundTripsAndStaysSmall() throws IOException {
        WindowAccumulator a = sample(new Random(1), 100_000);
        byte[] bytes = write(WindowAccumulatorSerializer.INSTANCE, a);
        WindowAccumulator back = read(WindowAccumulatorSerializer.INSTANCE, bytes);

        assertThat(back).isEqualTo(a);
        assertThat(back.quantileMs(0.99)).isEqualTo(a.quantileMs(0.99));
        System.out.printf("WindowAccumulator of 100000 events: %d bytes serialized%n", bytes.length);
        assertThat(bytes.length).as("serialized state does not grow with the event count").isLessThan(4096);
    }

    @Test
    void readsStateWrittenInTheFormatsOfVersionsOneAndTwo() throws IOException {
        for (int n : new int[] {0, 3, 1_000}) {
            WindowAccumulator a = sample(new Random(7), n);
            assertThat(read(WindowAccumulatorSerializer.INSTANCE, legacy(a, 2))).as("version 2, n=%d", n).isEqualTo(a);
            assertThat(read(WindowAccumulatorSerializer.INSTANCE, legacy(a, 1))).as("version 1, n=%d", n).isEqualTo(a);
        }
    }

    @Test
    void aSmallWindowTakesAFewDozenBytes() throws IOException {
        assertThat(write(WindowAccumulatorSerializer.INSTANCE, sample(new Random(2), 3)).length).isLessThan(40);
        assertThat(write(WindowAccumulatorSerializer.INSTANCE, sample(new Random(2), 50)).length).isLessThan(200);
    }

    /**
     * State as versions 1 and 2 wrote it: eight longs (1: min and max as doubles of milliseconds), then the
     * histogram's length and HdrHistogram's V2 encoding.
     */
    private static byte[] legacy(WindowAccumulator a, int version) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeByte(version);
        out.writeLong(a.count);
        out.writeLong(a.errors);
        out.writeLong(a.hits);
        out.writeLong(a.misses);
        out.writeLong(a.timed);
        out.writeLong(a.sumNanos);
        if (version == 1) {
            out.writeDouble(a.timed == 0 ? Double.NaN : a.minMs());
            out.writeDouble(a.timed == 0 ? Double.NaN : a.maxMs());
        } else {
            out.writeLong(a.minNanos);
            out.writeLong(a.maxNanos);
        }
        org.HdrHistogram.IntCountsHistogram h = new org.HdrHistogram.IntCountsHistogram(1, 2, 2);
        h.setAutoResize(true);
        for (long b : a.latency().toBuckets()) {
            h.recordValueWithCount(LatencyHistogram.bucketUpperNanos(b >>> 40), b & LatencyHistogram.MAX_PACKED_COUNT);
        }
        ByteBuffer encoded = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoByteBuffer(encoded);
        out.writeInt(length);
        out.write(encoded.array(), 0, length);
        return out.getCopyOfBuffer();
    }

    @Test
    void copiesAreIndependent() {
        WindowAccumulator a = sample(new Random(3), 10);
        WindowAccumulator copy = WindowAccumulatorSerializer.INSTANCE.copy(a);
        copy.add(MetricEvent.query(1, "s", "q", null, 99, true, 1));
        assertThat(a.count()).isEqualTo(10);
        assertThat(copy.count()).isEqualTo(11);
    }

    static WindowAccumulator sample(Random random, int n) {
        WindowAccumulator a = new WindowAccumulator();
        for (int i = 0; i < n; i++) {
            if (i % 3 == 0) {
                a.add(MetricEvent.cache(i, "s", "c", null, random.nextBoolean(), CacheLevel.L1, random.nextDouble(), false));
            } else {
                a.add(MetricEvent.request(i, "s", "r", null, Math.exp(3 + random.nextGaussian()), 200 + random.nextInt(400), "GET"));
            }
        }
        return a;
    }

    private static <T> byte[] write(TypeSerializer<T> serializer, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        return out.getCopyOfBuffer();
    }

    private static <T> T read(TypeSerializer<T> serializer, byte[] bytes) throws IOException {
        return serializer.deserialize(new DataInputDeserializer(bytes));
    }
}
