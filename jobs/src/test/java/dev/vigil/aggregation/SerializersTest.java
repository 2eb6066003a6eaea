package dev.vigil.aggregation;

import dev.vigil.events.CacheLevel;
import dev.vigil.events.MetricEvent;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
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
    void seriesWindowRoundTrips() throws IOException {
        SeriesWindow w = new SeriesWindow(new SeriesKey("request", "api", "GET /ü/{id}"), 60_000, 120_000,
                sample(new Random(4), 500));
        SeriesWindow back = read(SeriesWindowSerializer.INSTANCE, write(SeriesWindowSerializer.INSTANCE, w));
        assertThat(back).isEqualTo(w);
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
    void readsStateWrittenInTheMillisecondFormatOfVersionOne() throws IOException {
        WindowAccumulator a = sample(new Random(7), 1_000);
        // Version 1 is version 2 with the version byte 1 and min/max as doubles of milliseconds.
        ByteBuffer v1 = ByteBuffer.wrap(write(WindowAccumulatorSerializer.INSTANCE, a));
        int minAt = 1 + 6 * Long.BYTES; // version byte, then count, errors, hits, misses, timed, sum
        v1.put(0, (byte) 1).putDouble(minAt, a.minMs()).putDouble(minAt + Long.BYTES, a.maxMs());

        assertThat(read(WindowAccumulatorSerializer.INSTANCE, v1.array())).isEqualTo(a);
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
