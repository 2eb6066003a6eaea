package dev.vigil.dashboard;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.vigil.model.PackedHistogram;

import java.sql.ResultSet;
import java.sql.SQLException;

/** Sums of window rows and the merge of their histograms, for one service or one step of a series. */
final class Totals {
    private static final double[] QUANTILES = {0.5, 0.95, 0.99};
    Object k1;
    String k2;
    long events;
    long errors;
    Long hits;
    Long misses;
    final PackedHistogram.Merger latency = new PackedHistogram.Merger();

    /** Adds a row of {@code StatusQueries.merged}: the sums of the counters, or one merged bucket. */
    void add(ResultSet rs) throws SQLException {
        long bucket = rs.getLong("bucket");
        if (!rs.wasNull()) {
            latency.addBucket(bucket, rs.getLong("events"));
            return;
        }
        k1 = rs.getObject("k1");
        k2 = rs.getString("k2");
        long h = rs.getLong("hits");
        Long hitsOrNull = rs.wasNull() ? null : h;
        long m = rs.getLong("misses");
        Long missesOrNull = rs.wasNull() ? null : m;
        addCounters(rs.getLong("events"), rs.getLong("errors"), hitsOrNull, missesOrNull);
    }

    /** Adds one service's rows of one window start, as {@link ServiceWindowCache} keeps them. */
    void add(ServiceWindowCache.Part part) {
        addCounters(part.events(), part.errors(), part.hits(), part.misses());
        latency.add(part.latency());
    }

    private void addCounters(long events, long errors, Long hits, Long misses) {
        this.events += events;
        this.errors += errors;
        if (hits != null) {
            this.hits = (this.hits == null ? 0 : this.hits) + hits;
        }
        if (misses != null) {
            this.misses = (this.misses == null ? 0 : this.misses) + misses;
        }
    }

    void writeTo(ObjectNode s) {
        s.put("events", events);
        s.put("errors", errors);
        s.put("error_rate", events == 0 ? null : (double) errors / events);
        s.put("hits", hits);
        s.put("misses", misses);
        s.put("hit_rate", hits == null || misses == null || hits + misses == 0 ? null : (double) hits / (hits + misses));
        double[] q = latency.quantilesMillis(QUANTILES);
        s.put("p50_ms", Double.isNaN(q[0]) ? null : q[0]);
        s.put("p95_ms", Double.isNaN(q[1]) ? null : q[1]);
        s.put("p99_ms", Double.isNaN(q[2]) ? null : q[2]);
    }
}
