package dev.vigil.aggregation;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;

/**
 * Explicit state serializer for {@link WindowAccumulator}: a version byte, the counters as unsigned
 * varints, then the histogram's non-empty buckets ({@link LatencyHistogram#writeTo}). A window of three
 * requests takes about 25 bytes, one of 50 about 120: partials cross the network and rollups sit in state
 * once per series, so their size is what high cardinality costs.
 *
 * <p>The version byte lets a later format read state written by this one after an upgrade: versions 1
 * and 2 (fixed-width counters and HdrHistogram's own encoding) are still read.
 */
public final class WindowAccumulatorSerializer extends NonReusingSerializer<WindowAccumulator> {
    private static final long serialVersionUID = 1L;

    public static final WindowAccumulatorSerializer INSTANCE = new WindowAccumulatorSerializer();
    /**
     * 3: varints, min and max only when a duration was seen, sparse buckets. 2 (still read): eight longs
     * (min and max in nanoseconds) and an HdrHistogram. 1 (still read): as 2 with min and max as doubles of
     * milliseconds.
     */
    private static final int FORMAT_VERSION = 3;

    @Override
    public WindowAccumulator createInstance() {
        return new WindowAccumulator();
    }

    @Override
    public WindowAccumulator copy(WindowAccumulator from) {
        return from.copy();
    }

    @Override
    public void serialize(WindowAccumulator a, DataOutputView out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        LatencyHistogram.writeVarLong(out, a.count);
        LatencyHistogram.writeVarLong(out, a.errors);
        LatencyHistogram.writeVarLong(out, a.hits);
        LatencyHistogram.writeVarLong(out, a.misses);
        LatencyHistogram.writeVarLong(out, a.timed);
        if (a.timed > 0) {
            LatencyHistogram.writeVarLong(out, a.sumNanos);
            LatencyHistogram.writeVarLong(out, a.minNanos);
            LatencyHistogram.writeVarLong(out, a.maxNanos);
        }
        a.latency.writeTo(out);
    }

    @Override
    public WindowAccumulator deserialize(DataInputView in) throws IOException {
        int version = in.readByte();
        if (version == FORMAT_VERSION) {
            return deserializeVarints(in);
        }
        if (version != 2 && version != 1) {
            throw new IOException("unknown WindowAccumulator format version " + version);
        }
        WindowAccumulator a = new WindowAccumulator();
        a.count = in.readLong();
        a.errors = in.readLong();
        a.hits = in.readLong();
        a.misses = in.readLong();
        a.timed = in.readLong();
        a.sumNanos = in.readLong();
        if (version == 1) {
            double minMs = in.readDouble();
            double maxMs = in.readDouble();
            if (a.timed > 0) {
                a.minNanos = Math.round(minMs * 1_000_000.0);
                a.maxNanos = Math.round(maxMs * 1_000_000.0);
            }
        } else {
            a.minNanos = in.readLong();
            a.maxNanos = in.readLong();
        }
        a.latency = LatencyHistogram.readHdrHistogramFrom(in);
        return a;
    }

    private static WindowAccumulator deserializeVarints(DataInputView in) throws IOException {
        WindowAccumulator a = new WindowAccumulator();
        a.count = LatencyHistogram.readVarLong(in);
        a.errors = LatencyHistogram.readVarLong(in);
        a.hits = LatencyHistogram.readVarLong(in);
        a.misses = LatencyHistogram.readVarLong(in);
        a.timed = LatencyHistogram.readVarLong(in);
        if (a.timed > 0) {
            a.sumNanos = LatencyHistogram.readVarLong(in);
            a.minNanos = LatencyHistogram.readVarLong(in);
            a.maxNanos = LatencyHistogram.readVarLong(in);
        }
        a.latency = LatencyHistogram.readFrom(in);
        return a;
    }

    @Override
    public TypeSerializerSnapshot<WindowAccumulator> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer from a savepoint. Public with a no-arg constructor, as Flink requires. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<WindowAccumulator> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** Referenced from {@code @TypeInfo} on {@link WindowAccumulator}. */
    public static final class TypeInfoFactory extends org.apache.flink.api.common.typeinfo.TypeInfoFactory<WindowAccumulator> {
        @Override
        public TypeInformation<WindowAccumulator> createTypeInfo(Type t, Map<String, TypeInformation<?>> generics) {
            return new SerializerTypeInfo<>(WindowAccumulator.class, INSTANCE);
        }
    }
}
