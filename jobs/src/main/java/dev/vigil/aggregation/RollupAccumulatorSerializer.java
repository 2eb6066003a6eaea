package dev.vigil.aggregation;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;

/** State serializer for {@link RollupAccumulator}: a count, then (name, accumulator) pairs. */
public final class RollupAccumulatorSerializer extends TypeSerializerSingleton<RollupAccumulator> {
    private static final long serialVersionUID = 1L;

    public static final RollupAccumulatorSerializer INSTANCE = new RollupAccumulatorSerializer();
    private static final int FORMAT_VERSION = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public RollupAccumulator createInstance() {
        return new RollupAccumulator();
    }

    @Override
    public RollupAccumulator copy(RollupAccumulator from) {
        RollupAccumulator copy = new RollupAccumulator();
        from.latestByName.forEach((name, acc) -> copy.put(name, acc.copy()));
        return copy;
    }

    @Override
    public RollupAccumulator copy(RollupAccumulator from, RollupAccumulator reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(RollupAccumulator r, DataOutputView out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        out.writeInt(r.latestByName.size());
        for (Map.Entry<String, WindowAccumulator> e : r.latestByName.entrySet()) {
            out.writeUTF(e.getKey());
            WindowAccumulatorSerializer.INSTANCE.serialize(e.getValue(), out);
        }
    }

    @Override
    public RollupAccumulator deserialize(DataInputView in) throws IOException {
        int version = in.readByte();
        if (version != FORMAT_VERSION) {
            throw new IOException("unknown RollupAccumulator format version " + version);
        }
        RollupAccumulator r = new RollupAccumulator();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            r.put(name, WindowAccumulatorSerializer.INSTANCE.deserialize(in));
        }
        return r;
    }

    @Override
    public RollupAccumulator deserialize(RollupAccumulator reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<RollupAccumulator> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RollupAccumulator> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    public static final class TypeInfoFactory extends org.apache.flink.api.common.typeinfo.TypeInfoFactory<RollupAccumulator> {
        @Override
        public TypeInformation<RollupAccumulator> createTypeInfo(Type t, Map<String, TypeInformation<?>> generics) {
            return new SerializerTypeInfo<>(RollupAccumulator.class, INSTANCE);
        }
    }
}
