package dev.vigil.sinks.postgres;

import dev.vigil.model.MetricWindow;
import dev.vigil.model.PackedHistogram;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code metric_windows} rows in PostgreSQL's binary COPY format: each value as the server stores it
 * (big-endian integers and doubles, microseconds since 2000 for timestamps, UTF-8 text, arrays with
 * their element type), so the server parses nothing. The histogram arrays are most of a row's bytes,
 * and reading them as text (a number per element) was most of what a COPY cost PostgreSQL: the same
 * 60,480 rows of 45 buckets took its backend 0.60 s of CPU as text and 0.19 s as binary
 * (docs/performance.md). NaN doubles are written as NULL. A batch is {@link #start started}, gets rows
 * {@link #append appended}, is {@link #finish finished} and read as {@link #stream}.
 */
public final class MetricWindowsCopyFormat {

    /** The columns, in the order {@link #append} writes them. */
    public static final String COLUMNS = "type, service, name, window_start, window_end, count, errors, error_rate, hits, "
            + "misses, hit_rate, min_ms, mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms, latency_hist, latency_hist_index, latency_hist_subindex";
    private static final short FIELDS = 22;

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    /** PostgreSQL's epoch, 2000-01-01T00:00:00Z, in Unix milliseconds. */
    private static final long POSTGRES_EPOCH_MS = 946_684_800_000L;
    /** {@code pg_type.oid} of {@code bigint}, the arrays' element type. */
    private static final int INT8_OID = 20;

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** The batch so far: {@code size} bytes of {@code buf}, which grows and is kept for the next batch. */
    private byte[] buf = new byte[1 << 16];
    private int size;

    /** The statement that reads what this writes into {@code table}. */
    public static String copyInto(String table) {
        return "COPY " + table + " (" + COLUMNS + ") FROM STDIN (FORMAT binary)";
    }

    /** Empties the buffer and writes the format's header. */
    public void start() {
        size = 0;
        bytes(SIGNATURE);
        int4(0); // flags: no OIDs
        int4(0); // no header extension
    }

    public void append(MetricWindow w) {
        int2(FIELDS);
        text(w.type());
        text(w.service());
        text(w.name());
        timestamp(w.windowStart());
        timestamp(w.windowEnd());
        int8(w.count());
        int8(w.errors());
        float8(w.errorRate());
        int8(w.hits());
        int8(w.misses());
        Double hitRate = w.hitRate();
        float8(hitRate == null ? Double.NaN : hitRate);
        float8(w.minMs());
        float8(w.meanMs());
        float8(w.p50Ms());
        float8(w.p90Ms());
        float8(w.p95Ms());
        float8(w.p99Ms());
        float8(w.p999Ms());
        float8(w.maxMs());
        long[] hist = w.latencyHist();
        int8Array(hist);
        int8Array(PackedHistogram.index(hist));
        int8Array(WindowTable.of(w).subIndexed() ? PackedHistogram.subIndex(hist) : null);
    }

    /** Writes the trailer; the batch is then complete. */
    public void finish() {
        int2(-1);
    }

    /** The batch written since {@link #start}, read without copying it. */
    public InputStream stream() {
        return new ByteArrayInputStream(buf, 0, size);
    }

    private void text(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        int4(utf8.length);
        bytes(utf8);
    }

    private void timestamp(long epochMillis) {
        int4(8);
        long8((epochMillis - POSTGRES_EPOCH_MS) * 1000);
    }

    private void int8(long v) {
        int4(8);
        long8(v);
    }

    private void int8(Long v) {
        if (v == null) {
            int4(-1);
        } else {
            int8(v.longValue());
        }
    }

    private void float8(double v) {
        if (Double.isNaN(v)) {
            int4(-1);
        } else {
            int4(8);
            long8(Double.doubleToRawLongBits(v));
        }
    }

    /** A one-dimensional {@code bigint[]} without NULLs, lower bound 1; an empty array has no dimension. */
    private void int8Array(long[] values) {
        if (values == null) {
            int4(-1);
            return;
        }
        int dims = values.length == 0 ? 0 : 1;
        int4(12 + dims * 8 + values.length * 12);
        int4(dims);
        int4(0); // no NULL elements
        int4(INT8_OID);
        if (dims == 1) {
            int4(values.length);
            int4(1);
        }
        room(values.length * 12);
        for (long v : values) {
            INT.set(buf, size, 8);
            LONG.set(buf, size + 4, v);
            size += 12;
        }
    }

    private void int2(int v) {
        room(2);
        SHORT.set(buf, size, (short) v);
        size += 2;
    }

    private void int4(int v) {
        room(4);
        INT.set(buf, size, v);
        size += 4;
    }

    private void long8(long v) {
        room(8);
        LONG.set(buf, size, v);
        size += 8;
    }

    private void bytes(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    private void room(int n) {
        if (buf.length - size < n) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
        }
    }
}
