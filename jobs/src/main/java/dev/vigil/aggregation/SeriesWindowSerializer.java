package dev.vigil.aggregation;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;

/**
 * Explicit serializer for {@link SeriesWindow}, the record that crosses every shuffle after the local
 * pre-aggregation: the three key strings, the window bounds, then the accumulator. Flink's generic
 * record serializer would build each one reflectively.
 */
public final class SeriesWindowSerializer extends NonReusingSerializer<SeriesWindow> {
    private static final long serialVersionUID = 1L;

    public static final SeriesWindowSerializer INSTANCE = new SeriesWindowSerializer();

    @Override
    public SeriesWindow createInstance() {
        return new SeriesWindow(new SeriesKey("", "", ""), 0, 0, new WindowAccumulator());
    }

    @Override
    public SeriesWindow copy(SeriesWindow from) {
        return new SeriesWindow(from.series(), from.windowStart(), from.windowEnd(), from.accumulator().copy());
    }

    @Override
    public void serialize(SeriesWindow w, DataOutputView out) throws IOException {
        StringValue.writeString(w.series().type(), out);
        StringValue.writeString(w.series().service(), out);
        StringValue.writeString(w.series().name(), out);
        out.writeLong(w.windowStart());
        out.writeLong(w.windowEnd());
        WindowAccumulatorSerializer.INSTANCE.serialize(w.accumulator(), out);
    }

    @Override
    public SeriesWindow deserialize(DataInputView in) throws IOException {
        SeriesKey series = new SeriesKey(StringValue.readString(in), StringValue.readString(in), StringValue.readString(in));
        long start = in.readLong();
        long end = in.readLong();
        return new SeriesWindow(series, start, end, WindowAccumulatorSerializer.INSTANCE.deserialize(in));
    }

    @Override
    public TypeSerializerSnapshot<SeriesWindow> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer from a savepoint. Public with a no-arg constructor, as Flink requires. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SeriesWindow> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** Referenced from {@code @TypeInfo} on {@link SeriesWindow}. */
    public static final class TypeInfoFactory extends org.apache.flink.api.common.typeinfo.TypeInfoFactory<SeriesWindow> {
        @Override
        public TypeInformation<SeriesWindow> createTypeInfo(Type t, Map<String, TypeInformation<?>> generics) {
            return new SerializerTypeInfo<>(SeriesWindow.class, INSTANCE);
        }
    }
}
