package dev.vigil.sinks.postgres;

import dev.vigil.model.MetricWindow;
import dev.vigil.model.PackedHistogram;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

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
            + "misses, hit_rate, min_ms, mean_ms, p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms, latency_hist, latency_hist_index";
    private static final short FIELDS = 21;

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    /** PostgreSQL's epoch, 2000-01-01T00:00:00Z, in Unix milliseconds. */
    private static final long POSTGRES_EPOCH_MS = 946_684_800_000L;
    /** {@code pg_type.oid} of {@code bigint}, the arrays' element type. */
    private static final int INT8_OID = 20;

    private final Bytes bytes = new Bytes();
    private final DataOutputStream out = new DataOutputStream(bytes);

    /** The statement that reads what this writes into {@code table}. */
    public static String copyInto(String table) {
        return "COPY " + table + " (" + COLUMNS + ") FROM STDIN (FORMAT binary)";
    }

    /** Empties the buffer and writes the format's header. */
    public void start() {
        bytes.reset();
        try {
            out.write(SIGNATURE);
            out.writeInt(0); // flags: no OIDs
            out.writeInt(0); // no header extension
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
    }

    public void append(MetricWindow w) {
        try {
            out.writeShort(FIELDS);
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the trailer; the batch is then complete. */
    public void finish() {
        try {
            out.writeShort(-1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The batch written since {@link #start}, read without copying it. */
    public InputStream stream() {
        return bytes.stream();
    }

    private void text(String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private void timestamp(long epochMillis) throws IOException {
        out.writeInt(8);
        out.writeLong((epochMillis - POSTGRES_EPOCH_MS) * 1000);
    }

    private void int8(long v) throws IOException {
        out.writeInt(8);
        out.writeLong(v);
    }

    private void int8(Long v) throws IOException {
        if (v == null) {
            out.writeInt(-1);
        } else {
            int8(v.longValue());
        }
    }

    private void float8(double v) throws IOException {
        if (Double.isNaN(v)) {
            out.writeInt(-1);
        } else {
            out.writeInt(8);
            out.writeDouble(v);
        }
    }

    /** A one-dimensional {@code bigint[]} without NULLs, lower bound 1; an empty array has no dimension. */
    private void int8Array(long[] values) throws IOException {
        if (values == null) {
            out.writeInt(-1);
            return;
        }
        int dims = values.length == 0 ? 0 : 1;
        out.writeInt(12 + dims * 8 + values.length * 12);
        out.writeInt(dims);
        out.writeInt(0); // no NULL elements
        out.writeInt(INT8_OID);
        if (dims == 1) {
            out.writeInt(values.length);
            out.writeInt(1);
        }
        for (long v : values) {
            out.writeInt(8);
            out.writeLong(v);
        }
    }

    /** A byte buffer whose contents can be read in place. */
    private static final class Bytes extends ByteArrayOutputStream {
        Bytes() {
            super(1 << 16);
        }

        InputStream stream() {
            return new ByteArrayInputStream(buf, 0, count);
        }
    }
}
