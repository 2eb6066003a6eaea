package dev.vigil.aggregation;

import dev.vigil.model.MetricWindow;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;

/**
 * Explicit serializer for {@link MetricWindow}, the row that crosses the shuffles to the writers and
 * (without its histogram) to every rule that judges it: the key strings, the bounds and counts, a
 * byte saying which of the nullable fields follow, the eight latency doubles, the histogram. Flink's
 * generic record serializer read and wrote each of the 18 fields reflectively: at 100,000 series it took
 * 8% of the job's CPU (docs/performance.md). {@code model} stays free of Flink, so the type information is
 * handed to the operators that emit rows ({@link #TYPE_INFO}).
 */
public final class MetricWindowSerializer extends NonReusingSerializer<MetricWindow> {
    private static final long serialVersionUID = 1L;

    public static final MetricWindowSerializer INSTANCE = new MetricWindowSerializer();
    public static final TypeInformation<MetricWindow> TYPE_INFO = new SerializerTypeInfo<>(MetricWindow.class, INSTANCE);

    private static final int HAS_HITS = 1;
    private static final int HAS_MISSES = 2;
    private static final int HAS_HISTOGRAM = 4;

    @Override
    public MetricWindow createInstance() {
        return new MetricWindow("", "", "", 0, 0, 0, 0, null, null, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, null);
    }

    @Override
    public MetricWindow copy(MetricWindow w) {
        return w.latencyHist() == null ? w : new MetricWindow(w.type(), w.service(), w.name(), w.windowStart(),
                w.windowEnd(), w.count(), w.errors(), w.hits(), w.misses(), w.minMs(), w.meanMs(), w.p50Ms(), w.p90Ms(),
                w.p95Ms(), w.p99Ms(), w.p999Ms(), w.maxMs(), w.latencyHist().clone());
    }

    @Override
    public void serialize(MetricWindow w, DataOutputView out) throws IOException {
        StringValue.writeString(w.type(), out);
        StringValue.writeString(w.service(), out);
        StringValue.writeString(w.name(), out);
        out.writeLong(w.windowStart());
        out.writeLong(w.windowEnd());
        out.writeLong(w.count());
        out.writeLong(w.errors());
        long[] hist = w.latencyHist();
        out.writeByte((w.hits() != null ? HAS_HITS : 0) | (w.misses() != null ? HAS_MISSES : 0)
                | (hist != null ? HAS_HISTOGRAM : 0));
        if (w.hits() != null) {
            out.writeLong(w.hits());
        }
        if (w.misses() != null) {
            out.writeLong(w.misses());
        }
        out.writeDouble(w.minMs());
        out.writeDouble(w.meanMs());
        out.writeDouble(w.p50Ms());
        out.writeDouble(w.p90Ms());
        out.writeDouble(w.p95Ms());
        out.writeDouble(w.p99Ms());
        out.writeDouble(w.p999Ms());
        out.writeDouble(w.maxMs());
        if (hist != null) {
            out.writeInt(hist.length);
            for (long bucket : hist) {
                out.writeLong(bucket);
            }
        }
    }

    @Override
    public MetricWindow deserialize(DataInputView in) throws IOException {
        String type = StringValue.readString(in);
        String service = StringValue.readString(in);
        String name = StringValue.readString(in);
        long start = in.readLong();
        long end = in.readLong();
        long count = in.readLong();
        long errors = in.readLong();
        int present = in.readByte();
        Long hits = (present & HAS_HITS) != 0 ? in.readLong() : null;
        Long misses = (present & HAS_MISSES) != 0 ? in.readLong() : null;
        double min = in.readDouble();
        double mean = in.readDouble();
        double p50 = in.readDouble();
        double p90 = in.readDouble();
        double p95 = in.readDouble();
        double p99 = in.readDouble();
        double p999 = in.readDouble();
        double max = in.readDouble();
        long[] hist = null;
        if ((present & HAS_HISTOGRAM) != 0) {
            hist = new long[in.readInt()];
            for (int i = 0; i < hist.length; i++) {
                hist[i] = in.readLong();
            }
        }
        return new MetricWindow(type, service, name, start, end, count, errors, hits, misses, min, mean, p50, p90, p95,
                p99, p999, max, hist);
    }

    @Override
    public TypeSerializerSnapshot<MetricWindow> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer from a savepoint. Public with a no-arg constructor, as Flink requires. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<MetricWindow> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
